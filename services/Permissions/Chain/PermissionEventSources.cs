using HybridEhr.Clients.Devnet;
using HybridEhr.Clients.Substrate.Contracts;
using HybridEhr.Permissions.Domain;

namespace HybridEhr.Permissions.Chain;

/// <summary>A position the follower reached, with the access_control event found there (null for other contracts' events).</summary>
public sealed record FollowedPosition(ChainPosition Position, long BlockTimestampMs, PermissionChainEvent? Event);

/// <summary>The permission chain's events in chain order from a durable checkpoint, at least once.</summary>
public interface IPermissionEventSource
{
    /// <summary>The last position handled before this start (block, transaction index).</summary>
    ChainPosition Checkpoint { get; }

    Task RunAsync(Func<FollowedPosition, CancellationToken, Task> handler, CancellationToken cancellationToken);
}

/// <summary>The devnet's event stream (every contract's events; positions of the others still count for freshness).</summary>
public sealed class DevnetPermissionEventSource(ChainEventFollower follower) : IPermissionEventSource
{
    public ChainPosition Checkpoint => new(follower.Checkpoint.Block, follower.Checkpoint.TxIndex);

    public Task RunAsync(Func<FollowedPosition, CancellationToken, Task> handler, CancellationToken cancellationToken) =>
        follower.RunAsync((e, ct) => handler(new FollowedPosition(
            new ChainPosition(e.BlockHeight, e.TxIndex), e.BlockTimestamp,
            e.Contract == DevnetPermissionChain.Contract ? DevnetPermissionChain.ToDomain(e) : null), ct), cancellationToken);
}

/// <summary>The contract's ContractEmitted events on a Substrate node, block by block.</summary>
public sealed class SubstratePermissionEventSource(ContractEventFollower follower) : IPermissionEventSource
{
    public ChainPosition Checkpoint => new((long)follower.Checkpoint.Block, follower.Checkpoint.ExtrinsicIndex);

    public Task RunAsync(Func<FollowedPosition, CancellationToken, Task> handler, CancellationToken cancellationToken) =>
        follower.RunAsync((e, ct) =>
        {
            var position = new ChainPosition((long)e.BlockNumber, (int)e.ExtrinsicIndex);
            var domainEvent = new PermissionChainEvent(position.Block, position.TxIndex, e.ExtrinsicHash, e.BlockTimestampMs, e.Name, e.Payload.ToJsonString());
            return handler(new FollowedPosition(position, e.BlockTimestampMs, domainEvent), ct);
        }, cancellationToken);
}

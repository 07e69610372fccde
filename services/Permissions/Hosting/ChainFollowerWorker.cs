using HybridEhr.Clients.Devnet;
using HybridEhr.Contracts.Devnet.V1;
using HybridEhr.Grpc;
using HybridEhr.Permissions.Chain;
using HybridEhr.Permissions.Domain;

namespace HybridEhr.Permissions.Hosting;

/// <summary>
/// Feeds the read model from the permission chain's events (checkpoint in the data directory) and publishes the
/// integration events they produce, in chain order, at least once (EventIds are derived from the transaction id and
/// the event, so consumers drop repeats).
/// </summary>
public sealed partial class ChainFollowerWorker(
    ChainEventFollower follower, PermissionReadModel model, ReadModelFreshness freshness, IIntegrationEventPublisher publisher,
    ILogger<ChainFollowerWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var (block, txIndex, _) = follower.Checkpoint;
        model.ForgetIntegrationEventsThrough(new ChainPosition(block, txIndex));
        LogStarting(logger, block);
        try
        {
            await follower.RunAsync(HandleAsync, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (stoppingToken.IsCancellationRequested && ex is RpcException or OperationCanceledException)
        {
            // Shutting down: the open event stream is cancelled under us.
        }
    }

    private async Task HandleAsync(ChainEvent chainEvent, CancellationToken cancellationToken)
    {
        var position = new ChainPosition(chainEvent.BlockHeight, chainEvent.TxIndex);
        if (chainEvent.Contract == DevnetPermissionChain.Contract)
        {
            var domainEvent = DevnetPermissionChain.ToDomain(chainEvent);
            model.ApplyChainEvent(domainEvent);
            await PublishAsync(domainEvent.Key, cancellationToken).ConfigureAwait(false);
            if (domainEvent.Name == ChainEventNames.AccessApproved)
            {
                // The approval's grant is folded into AccessApproved (the follower may not hand over the second
                // event of a transaction); its PermissionGranted integration event is published here.
                await PublishAsync(domainEvent.TxId + ":" + ChainEventNames.PermissionGranted, cancellationToken).ConfigureAwait(false);
            }
        }

        freshness.FollowerReached(position, DateTimeOffset.FromUnixTimeMilliseconds(chainEvent.BlockTimestamp));
    }

    private async Task PublishAsync(string eventKey, CancellationToken cancellationToken)
    {
        foreach (var integrationEvent in model.TakeIntegrationEvents(eventKey))
        {
            await publisher.PublishAsync(integrationEvent, cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Following the permission chain after block {Block}")]
    private static partial void LogStarting(ILogger logger, long block);
}

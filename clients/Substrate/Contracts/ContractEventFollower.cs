using System.Globalization;
using System.Text.Json.Nodes;
using HybridEhr.Clients.Substrate.Chain;
using HybridEhr.Clients.Substrate.Extrinsics;

namespace HybridEhr.Clients.Substrate.Contracts;

/// <summary>One event of the followed contract, with where it sits on the chain.</summary>
/// <param name="EventIndex">Its position among the contract's events of the same extrinsic.</param>
public sealed record FollowedContractEvent(
    ulong BlockNumber, string BlockHash, long BlockTimestampMs, uint ExtrinsicIndex, string ExtrinsicHash, int EventIndex, string Name, JsonObject Payload);

/// <summary>Where a follower stands: the last event handed over, and the last block read to its end.</summary>
public sealed record ContractEventCheckpoint(ulong Block, int ExtrinsicIndex, int EventIndex, ulong ScannedThrough)
{
    public static ContractEventCheckpoint Start { get; } = new(0, -1, -1, 0);

    public bool IsHandled(ulong block, uint extrinsic, int eventIndex) =>
        (block, (long)extrinsic, eventIndex).CompareTo((Block, (long)ExtrinsicIndex, EventIndex)) <= 0;
}

/// <summary>
/// Follows one contract's events block by block from a durable checkpoint and hands each to a handler, at least once
/// and in chain order: the checkpoint is written after the handler returns, so a crash repeats at most one event and
/// never skips one. Tracks the best block (writes awaited InBlock) or the finalized one (writes awaited Finalized,
/// which is what a chain with forks needs). Node restarts and dropped connections are retried with back-off.
/// </summary>
public sealed class ContractEventFollower(
    Func<CancellationToken, Task<ContractJsonClient>> contract, string checkpointPath, WatchUntil head = WatchUntil.InBlock, TimeSpan? pollInterval = null)
{
    public delegate Task EventHandler(FollowedContractEvent contractEvent, CancellationToken cancellationToken);

    private readonly TimeSpan poll = pollInterval ?? TimeSpan.FromMilliseconds(250);

    public ContractEventCheckpoint Checkpoint { get; private set; } = ReadCheckpoint(checkpointPath);

    public async Task RunAsync(EventHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var backoff = TimeSpan.FromMilliseconds(200);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var client = await contract(cancellationToken).ConfigureAwait(false);
                var chain = client.Contract.Chain;
                var last = head == WatchUntil.Finalized
                    ? await chain.GetFinalizedNumberAsync(cancellationToken).ConfigureAwait(false)
                    : (await chain.GetBestBlockAsync(cancellationToken).ConfigureAwait(false)).Number;
                for (var block = Checkpoint.ScannedThrough + 1; block <= last; block++)
                {
                    await ReadBlockAsync(client, block, handler, cancellationToken).ConfigureAwait(false);
                }

                backoff = TimeSpan.FromMilliseconds(200);
                await Task.Delay(poll, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsTransient(ex))
            {
                await Task.Delay(backoff, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                backoff = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(5).Ticks, backoff.Ticks * 2));
            }
        }
    }

    private async Task ReadBlockAsync(ContractJsonClient client, ulong block, EventHandler handler, CancellationToken cancellationToken)
    {
        var chain = client.Contract.Chain;
        var hash = await chain.GetBlockHashAsync(block, cancellationToken).ConfigureAwait(false)
            ?? throw new Rpc.RpcException($"the node has no block {block} yet");
        var events = await chain.GetEventsAsync(hash, cancellationToken).ConfigureAwait(false);
        var own = events.Where(client.Contract.IsOwnContractEvent).ToList();
        if (own.Count > 0)
        {
            var timestamp = await chain.GetBlockTimestampAsync(hash, cancellationToken).ConfigureAwait(false);
            var extrinsics = await chain.GetBlockExtrinsicsAsync(hash, cancellationToken).ConfigureAwait(false);
            foreach (var group in own.GroupBy(e => e.ExtrinsicIndex ?? 0))
            {
                var extrinsic = group.Key;
                var txHash = extrinsic < extrinsics.Count ? Hex.Encode(Hashing.SubstrateHashers.Blake2b256(extrinsics[(int)extrinsic])) : "";
                var decoded = client.Contract.ContractEvents(group);
                for (var index = 0; index < decoded.Count; index++)
                {
                    if (Checkpoint.IsHandled(block, extrinsic, index))
                    {
                        continue; // handled before the last restart
                    }

                    var json = client.ToJson(decoded[index]);
                    await handler(new FollowedContractEvent(block, hash, timestamp, extrinsic, txHash, index, json.Name, json.Payload), cancellationToken)
                        .ConfigureAwait(false);
                    Checkpoint = Checkpoint with { Block = block, ExtrinsicIndex = (int)extrinsic, EventIndex = index };
                    await WriteCheckpointAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }

        Checkpoint = Checkpoint with { ScannedThrough = block };
        if (own.Count > 0 || block % 64 == 0)
        {
            // Empty blocks are cheap to read again after a restart; writing every one would be a file write per block.
            await WriteCheckpointAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool IsTransient(Exception ex) => Rpc.NodeFailures.IsTransient(ex) || ex is ExtrinsicFailedException;

    private async Task WriteCheckpointAsync(CancellationToken cancellationToken)
    {
        var c = Checkpoint;
        var temporary = checkpointPath + ".tmp";
        await File.WriteAllTextAsync(temporary, FormattableString.Invariant($"{c.Block} {c.ExtrinsicIndex} {c.EventIndex} {c.ScannedThrough}"), cancellationToken)
            .ConfigureAwait(false);
        File.Move(temporary, checkpointPath, overwrite: true);
    }

    private static ContractEventCheckpoint ReadCheckpoint(string path)
    {
        if (!File.Exists(path))
        {
            return ContractEventCheckpoint.Start;
        }

        var parts = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 4
            && ulong.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var block)
            && int.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var extrinsic)
            && int.TryParse(parts[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var eventIndex)
            && ulong.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var scanned)
            ? new ContractEventCheckpoint(block, extrinsic, eventIndex, scanned)
            : throw new InvalidDataException($"the checkpoint file '{path}' is damaged; delete it to read the chain again from its start");
    }
}

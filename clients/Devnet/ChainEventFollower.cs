using System.Globalization;
using HybridEhr.Contracts.Devnet.V1;
using Grpc.Core;

namespace HybridEhr.Clients.Devnet;

/// <summary>
/// Follows a chain's events from a durable checkpoint and hands each to a handler, at least once and in chain order.
/// The checkpoint (block height, transaction index and event index of the last handled event) is written after the
/// handler returns, so a crash repeats at most the event of one handler call; the chain itself is the outbox, and no
/// committed event is ever skipped. Reconnects with back-off when the devnet restarts.
/// </summary>
public sealed class ChainEventFollower(DevnetClient client, string chain, string checkpointPath)
{
    public delegate Task EventHandler(ChainEvent chainEvent, CancellationToken cancellationToken);

    /// <summary>The last event handled (block height, transaction index, event index), read from the checkpoint.</summary>
    public (long Block, int TxIndex, int EventIndex) Checkpoint { get; private set; } = ReadCheckpoint(checkpointPath);

    public async Task RunAsync(EventHandler handler, CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.FromMilliseconds(200);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using var watch = client.WatchEvents(
                    new WatchEventsRequest { Chain = chain, FromBlock = Math.Max(1, Checkpoint.Block) },
                    new CallOptions(cancellationToken: cancellationToken));
                await foreach (var chainEvent in watch.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                {
                    backoff = TimeSpan.FromMilliseconds(200);
                    if ((chainEvent.BlockHeight, chainEvent.TxIndex, chainEvent.EventIndex).CompareTo(Checkpoint) <= 0)
                    {
                        continue; // handled before the last restart
                    }

                    await handler(chainEvent, cancellationToken).ConfigureAwait(false);
                    Checkpoint = (chainEvent.BlockHeight, chainEvent.TxIndex, chainEvent.EventIndex);
                    await WriteCheckpointAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (RpcException) when (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(backoff, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                backoff = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(5).Ticks, backoff.Ticks * 2));
            }
        }
    }

    private async Task WriteCheckpointAsync(CancellationToken cancellationToken)
    {
        var temporary = checkpointPath + ".tmp";
        await File.WriteAllTextAsync(temporary, FormattableString.Invariant($"{Checkpoint.Block} {Checkpoint.TxIndex} {Checkpoint.EventIndex}"), cancellationToken).ConfigureAwait(false);
        File.Move(temporary, checkpointPath, overwrite: true);
    }

    private static (long, int, int) ReadCheckpoint(string path)
    {
        if (!File.Exists(path))
        {
            return (0, -1, -1);
        }

        var parts = File.ReadAllText(path).Split(' ');
        return (long.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture),
            parts.Length > 2 ? int.Parse(parts[2], CultureInfo.InvariantCulture) : int.MaxValue);
    }
}

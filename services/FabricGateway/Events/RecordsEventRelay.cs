using System.Globalization;
using System.Text.Json.Nodes;
using HybridEhr.Contracts.Events;
using HybridEhr.FabricGateway.Ledger;
using HybridEhr.Files;

namespace HybridEhr.FabricGateway.Events;

/// <summary>
/// Republishes the records chain's events as integration events (RecordCreated, RecordUpdated, ImageMinted), on the
/// devnet and on Fabric alike: it reads <see cref="IRecordsLedger.WatchAsync"/> from a checkpoint (block and the
/// event's index in it, written atomically after each publish), so the chain is the outbox: a crash between commit and
/// publish only delays the event, and a repeat carries the same id (derived from the transaction). When the stream
/// fails (chain restarting, peer unreachable) it reconnects from the checkpoint with back-off.
/// </summary>
public sealed partial class RecordsEventRelay(
    IRecordsLedger ledger, Func<IIntegrationEvent, CancellationToken, Task> publish, string checkpointPath, ILogger<RecordsEventRelay> logger,
    TimeProvider? time = null)
    : BackgroundService
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan LongestBackoff = TimeSpan.FromSeconds(5);

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>The last event handled: (block, index in block); (0, -1) before the first.</summary>
    public (long Block, int Index) Checkpoint { get; private set; } = ReadCheckpoint(checkpointPath);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => RunAsync(stoppingToken);

    /// <summary>Follows the chain until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        LogStarting(logger, Checkpoint.Block, Checkpoint.Index);
        var backoff = FirstBackoff;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var e in ledger.WatchAsync(Checkpoint.Block, cancellationToken).ConfigureAwait(false))
                {
                    backoff = FirstBackoff;
                    if ((e.BlockNumber, e.TxIndex).CompareTo(Checkpoint) <= 0)
                    {
                        continue; // handled before the last reconnection or restart
                    }

                    if (ToIntegrationEvent(e, _time.GetUtcNow()) is { } integrationEvent)
                    {
                        await publish(integrationEvent, cancellationToken).ConfigureAwait(false);
                    }

                    Checkpoint = (e.BlockNumber, e.TxIndex);
                    WriteCheckpoint();
                }

                // A stream that ends (the chain closed it) is followed again from the checkpoint.
                await Task.Delay(backoff, _time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            catch (Exception error) when (!cancellationToken.IsCancellationRequested && error is not OperationCanceledException)
            {
                LogReconnecting(logger, backoff.TotalMilliseconds, error.Message);
                await Task.Delay(backoff, _time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                backoff = TimeSpan.FromTicks(Math.Min(LongestBackoff.Ticks, backoff.Ticks * 2));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>
    /// The integration event of a chain event, or null for events other services do not consume. Fabric's chaincode
    /// events carry no block time (0): the time the relay saw the event stands in for it.
    /// </summary>
    internal static IIntegrationEvent? ToIntegrationEvent(RecordsChainEvent e, DateTimeOffset observedAt)
    {
        var payload = JsonNode.Parse(e.PayloadJson)!.AsObject();
        var id = Messaging.ChainEventIds.For(e.TxId, 0); // our contracts emit one event per transaction: index 0
        var at = e.BlockTimestamp > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(e.BlockTimestamp) : observedAt;
        string Text(string name) => payload[name]?.GetValue<string>() ?? "";
        return e.Name switch
        {
            "RecordCreated" => new RecordCreated(id, at, Text("record_id"), payload["version"]!.GetValue<long>(), Text("patient"), Text("author"),
                Text("organization"), Text("plaintext_hash"), Text("ciphertext_hash"), e.TxId, (ulong)e.BlockNumber),
            "RecordUpdated" => new RecordUpdated(id, at, Text("record_id"), payload["version"]!.GetValue<long>(), Text("patient"), Text("author"),
                Text("organization"), Text("plaintext_hash"), Text("ciphertext_hash"), e.TxId, (ulong)e.BlockNumber),
            "ImageMinted" => new ImageMinted(id, at, Text("token_id"), Text("token_uri").Replace("ipfs://", "", StringComparison.Ordinal),
                Text("content_hash"), 0, Text("owner"), Text("record_id"), "", "", e.TxId, (ulong)e.BlockNumber),
            _ => null,
        };
    }

    private void WriteCheckpoint() =>
        AtomicFile.Write(checkpointPath, System.Text.Encoding.ASCII.GetBytes(FormattableString.Invariant($"{Checkpoint.Block} {Checkpoint.Index}")));

    /// <summary>"block index"; an older file's third number (the devnet's event index) is ignored: one event per transaction.</summary>
    private static (long, int) ReadCheckpoint(string path)
    {
        if (!File.Exists(path))
        {
            return (0, -1);
        }

        var parts = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2
            && long.TryParse(parts[0], CultureInfo.InvariantCulture, out var block) && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var index)
            ? (block, index)
            : throw new InvalidOperationException($"The relay checkpoint {path} is not 'block index'; it was altered. Delete it to relay the chain's events again from the start.");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Relaying records-chain events after block {Block}, index {Index}")]
    private static partial void LogStarting(ILogger logger, long block, int index);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Records-chain event stream failed; reconnecting in {DelayMs} ms: {Reason}")]
    private static partial void LogReconnecting(ILogger logger, double delayMs, string reason);
}

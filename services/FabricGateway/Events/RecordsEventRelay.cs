using System.Text.Json.Nodes;
using HybridEhr.Clients.Devnet;
using HybridEhr.Contracts.Devnet.V1;
using HybridEhr.Contracts.Events;
using MassTransit;

namespace HybridEhr.FabricGateway.Events;

/// <summary>
/// Republishes the records chain's events as integration events (RecordCreated, RecordUpdated, ImageMinted). It
/// follows the chain from a checkpoint, so the chain is the outbox: a crash between commit and publish only
/// delays the event. Event ids derive from the transaction and event name, so a repeat is recognisable.
/// </summary>
public sealed partial class RecordsEventRelay(DevnetClient devnet, IServiceProvider services, string checkpointPath, ILogger<RecordsEventRelay> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var follower = new ChainEventFollower(devnet, DevAccounts.RecordsChain, checkpointPath);
        LogStarting(logger, follower.Checkpoint.Block);
        await follower.RunAsync(PublishAsync, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task PublishAsync(ChainEvent chainEvent, CancellationToken cancellationToken)
    {
        if (ToIntegrationEvent(chainEvent) is not { } integrationEvent)
        {
            return;
        }

        using var scope = services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<IPublishEndpoint>()
            .Publish(integrationEvent, integrationEvent.GetType(), cancellationToken).ConfigureAwait(false);
    }

    internal static IIntegrationEvent? ToIntegrationEvent(ChainEvent e)
    {
        if (e.Contract != "records")
        {
            return null;
        }

        var payload = JsonNode.Parse(e.PayloadJson)!.AsObject();
        var id = EventId(e);
        var at = DateTimeOffset.FromUnixTimeMilliseconds(e.BlockTimestamp);
        string Text(string name) => payload[name]?.GetValue<string>() ?? "";
        return e.Name switch
        {
            "RecordCreated" => new RecordCreated(id, at, Text("record_id"), payload["version"]!.GetValue<long>(), Text("patient"), Text("author"),
                Text("organization"), Text("plaintext_hash"), Text("ciphertext_hash"), e.TxId, (ulong)e.BlockHeight),
            "RecordUpdated" => new RecordUpdated(id, at, Text("record_id"), payload["version"]!.GetValue<long>(), Text("patient"), Text("author"),
                Text("organization"), Text("plaintext_hash"), Text("ciphertext_hash"), e.TxId, (ulong)e.BlockHeight),
            "ImageMinted" => new ImageMinted(id, at, Text("token_id"), Text("token_uri").Replace("ipfs://", "", StringComparison.Ordinal),
                Text("content_hash"), 0, Text("owner"), Text("record_id"), "", "", e.TxId, (ulong)e.BlockHeight),
            _ => null,
        };
    }

    /// <summary>The id every publisher gives this fact (our contracts emit one event per transaction: index 0).</summary>
    private static Guid EventId(ChainEvent e) => Messaging.ChainEventIds.For(e.TxId, 0);

    [LoggerMessage(Level = LogLevel.Information, Message = "Relaying records-chain events after block {Block}")]
    private static partial void LogStarting(ILogger logger, long block);
}

using Grpc.Core;
using HybridEhr.Permissions.Chain;
using HybridEhr.Permissions.Domain;

namespace HybridEhr.Permissions.Hosting;

/// <summary>
/// Feeds the read model from the permission chain's events (checkpoint in the data directory) and publishes the
/// integration events they produce, in chain order, at least once (EventIds are derived from the transaction id and
/// the event, so consumers drop repeats).
/// </summary>
public sealed partial class ChainFollowerWorker(
    IPermissionEventSource follower, PermissionReadModel model, ReadModelFreshness freshness, IIntegrationEventPublisher publisher,
    ILogger<ChainFollowerWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var checkpoint = follower.Checkpoint;
        model.ForgetIntegrationEventsThrough(checkpoint);
        LogStarting(logger, checkpoint.Block);
        try
        {
            await follower.RunAsync(HandleAsync, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (stoppingToken.IsCancellationRequested && ex is RpcException or OperationCanceledException or Clients.Substrate.Rpc.RpcException)
        {
            // Shutting down: the open event stream is cancelled under us.
        }
    }

    private async Task HandleAsync(FollowedPosition followed, CancellationToken cancellationToken)
    {
        if (followed.Event is { } domainEvent)
        {
            model.ApplyChainEvent(domainEvent);
            await PublishAsync(domainEvent.Key, cancellationToken).ConfigureAwait(false);
            if (domainEvent.Name == ChainEventNames.AccessApproved)
            {
                // The approval's grant is folded into AccessApproved (the follower may not hand over the second
                // event of a transaction); its PermissionGranted integration event is published here.
                await PublishAsync(domainEvent.TxId + ":" + ChainEventNames.PermissionGranted, cancellationToken).ConfigureAwait(false);
            }
        }

        freshness.FollowerReached(followed.Position, DateTimeOffset.FromUnixTimeMilliseconds(followed.BlockTimestampMs));
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

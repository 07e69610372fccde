using HybridEhr.Contracts.Events;
using HybridEhr.Messaging;
using HybridEhr.Permissions.Domain;

namespace HybridEhr.Permissions.Hosting;

/// <summary>
/// Announces grants that reached their expiry (notifications to both parties, PermissionExpired on the bus). The
/// grant stopped counting at its expiry regardless: reads judge liveness by the clock.
/// </summary>
public sealed partial class ExpiryWorker(PermissionReadModel model, DurableOutbox outbox, PermissionsOptions options, TimeProvider time,
    ILogger<ExpiryWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.ExpiryCheckInterval, time);
        try
        {
            do
            {
                try
                {
                    await AnnounceDueAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogFailed(logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public async Task AnnounceDueAsync(CancellationToken cancellationToken)
    {
        foreach (var grant in model.DueExpiries(time.GetUtcNow()))
        {
            var expiredAt = grant.ExpiresAt!.Value;
            // Enqueued before it is marked, so a crash in between only announces it twice (same EventId).
            await outbox.EnqueueAsync(new PermissionExpired(
                PermissionIds.Event($"expired:{grant.GrantId}:{grant.TxId}:{expiredAt.ToUnixTimeMilliseconds()}"),
                expiredAt, grant.GrantId, grant.Patient, grant.Doctor, expiredAt, null), cancellationToken).ConfigureAwait(false);
            model.MarkExpired(grant);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Announcing expired grants failed; retrying on the next tick")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}

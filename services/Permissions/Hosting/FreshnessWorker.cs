using Grpc.Core;
using HybridEhr.Permissions.Domain;

namespace HybridEhr.Permissions.Hosting;

/// <summary>Runs the <see cref="FreshnessProbe"/> periodically; while the chain is unreachable, staleness just grows.</summary>
public sealed partial class FreshnessWorker(FreshnessProbe probe, PermissionsOptions options, TimeProvider time, ILogger<FreshnessWorker> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.FreshnessProbeInterval, time);
        try
        {
            do
            {
                try
                {
                    await probe.ProbeAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (RpcException ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogUnreachable(logger, ex.StatusCode);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Freshness probe could not reach the permission chain ({Status})")]
    private static partial void LogUnreachable(ILogger logger, StatusCode status);
}

using HybridEhr.Clients.Fabric;
using HybridEhr.ServiceDefaults.Health;

namespace HybridEhr.FabricGateway.Ledger;

/// <summary>
/// Real mode's health: probes the Fabric peer at an interval and reports the records chain healthy while the peer
/// answers for the chaincode (the service is then SERVING), unhealthy (from start-up until the first success) otherwise.
/// </summary>
public sealed partial class FabricPeerHealthMonitor(
    Func<CancellationToken, Task<FabricPeerProbeResult>> probe, ReportedHealth health, TimeSpan interval, ILogger<FabricPeerHealthMonitor> logger)
    : BackgroundService
{
    private bool? _wasHealthy;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await CheckOnceAsync(stoppingToken).ConfigureAwait(false);
            await Task.Delay(interval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>One probe; the statuses follow its outcome and a change is logged once.</summary>
    public async Task CheckOnceAsync(CancellationToken cancellationToken)
    {
        FabricPeerProbeResult result;
        try
        {
            result = await probe(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            // Health must keep reporting whatever the probe throws (e.g. a TLS failure outside the gateway protocol).
            result = new FabricPeerProbeResult(false, error.Message, TimeSpan.Zero);
        }

        if (result.IsHealthy)
        {
            health.ReportHealthy(result.Description);
        }
        else
        {
            health.ReportUnhealthy(result.Description);
        }

        if (_wasHealthy != result.IsHealthy)
        {
            if (result.IsHealthy)
            {
                LogPeerHealthy(logger, result.Description, result.Latency.TotalMilliseconds);
            }
            else
            {
                LogPeerUnhealthy(logger, result.Description);
            }

            _wasHealthy = result.IsHealthy;
        }
    }


    [LoggerMessage(Level = LogLevel.Information, Message = "Fabric peer healthy: {Description} ({LatencyMs} ms)")]
    private static partial void LogPeerHealthy(ILogger logger, string description, double latencyMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fabric peer not serving: {Description}")]
    private static partial void LogPeerUnhealthy(ILogger logger, string description);
}

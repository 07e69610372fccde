using HybridEhr.Clients.Fabric;
using HybridEhr.Grpc.Health;
using ServingStatus = HybridEhr.Grpc.Health.HealthCheckResponse.Types.ServingStatus;

namespace HybridEhr.FabricGateway.Ledger;

/// <summary>
/// Real mode's health: probes the Fabric peer at an interval and reports the server ("") and the FabricGateway service
/// SERVING while the peer answers for the chaincode, NOT_SERVING (from start-up until the first success) otherwise.
/// </summary>
public sealed partial class FabricPeerHealthMonitor(
    Func<CancellationToken, Task<FabricPeerProbeResult>> probe, HealthStatusRegistry health, TimeSpan interval, ILogger<FabricPeerHealthMonitor> logger)
    : BackgroundService
{
    private static readonly string ServiceName = FabricGatewayService.Descriptor.FullName;

    private bool? _wasHealthy;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Report(ServingStatus.NotServing);
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

        Report(result.IsHealthy ? ServingStatus.Serving : ServingStatus.NotServing);
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

    private void Report(ServingStatus status)
    {
        health.SetStatus("", status);
        health.SetStatus(ServiceName, status);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Fabric peer healthy: {Description} ({LatencyMs} ms)")]
    private static partial void LogPeerHealthy(ILogger logger, string description, double latencyMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fabric peer not serving: {Description}")]
    private static partial void LogPeerUnhealthy(ILogger logger, string description);
}

using Grpc.Core;
using HybridEhr.ServiceDefaults.Health;

namespace HybridEhr.FabricGateway.Hospitals;

/// <summary>
/// Registers the hospitals on the records chain when the service starts, retrying until the chain answers. The
/// service reports NOT_SERVING until then, so the AppHost and load balancers wait for a usable gateway.
/// </summary>
public sealed partial class HospitalsBootstrap(
    HospitalAdministration hospitals, [FromKeyedServices(FabricGatewaySetup.RecordsChainHealth)] ReportedHealth health, ILogger<HospitalsBootstrap> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await hospitals.EnsureOrganizationsAsync(stoppingToken);
                health.ReportHealthy($"hospitals registered: {string.Join(", ", hospitals.Hospitals)}");
                LogReady(logger, string.Join(", ", hospitals.Hospitals));
                return;
            }
            catch (RpcException ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogWaiting(logger, ex.Status.Detail);
                health.ReportUnhealthy($"waiting for the records chain: {ex.Status.Detail}");
                await Task.Delay(delay, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                delay = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(5).Ticks, delay.Ticks * 2));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Records chain ready; hospitals registered: {Hospitals}")]
    private static partial void LogReady(ILogger logger, string hospitals);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Waiting for the records chain: {Reason}")]
    private static partial void LogWaiting(ILogger logger, string reason);
}

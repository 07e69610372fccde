using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace HybridEhr.ServiceDefaults.Health;

/// <summary>Unhealthy from the moment the host starts stopping: load balancers and the AppHost stop sending calls first.</summary>
public sealed class ShutdownHealthCheck(IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested
            ? HealthCheckResult.Unhealthy("The service is shutting down.")
            : HealthCheckResult.Healthy());
}

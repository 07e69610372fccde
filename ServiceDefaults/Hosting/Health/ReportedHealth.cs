using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HybridEhr.ServiceDefaults.Health;

/// <summary>
/// A health check whose state a component reports as it learns it (a background probe of a peer, a bootstrap that
/// must finish before the service is useful), instead of being computed on each health call.
/// Unhealthy until the first report: a service is not SERVING before it has checked its dependency.
/// </summary>
public sealed class ReportedHealth(string name) : IHealthCheck
{
    // A struct read by health calls while a probe writes it: a boxed copy swapped whole is never torn.
    private volatile object _current = HealthCheckResult.Unhealthy($"{name}: not checked yet.");

    public string Name => name;

    public HealthCheckResult Current => (HealthCheckResult)_current;

    public void ReportHealthy(string? description = null) => _current = HealthCheckResult.Healthy(description);

    public void ReportUnhealthy(string description) => _current = HealthCheckResult.Unhealthy(description);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Current);
}

public static class ReportedHealthExtensions
{
    /// <summary>Adds a <see cref="ReportedHealth"/> check named <paramref name="name"/>; resolve it with [FromKeyedServices(name)].</summary>
    public static IHealthChecksBuilder AddReportedCheck(this IHealthChecksBuilder checks, string name)
    {
        checks.Services.AddKeyedSingleton(name, (_, _) => new ReportedHealth(name));
        return checks.Add(new HealthCheckRegistration(
            name, services => services.GetRequiredKeyedService<ReportedHealth>(name), HealthStatus.Unhealthy, tags: null));
    }
}

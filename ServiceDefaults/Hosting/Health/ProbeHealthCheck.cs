using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HybridEhr.ServiceDefaults.Health;

/// <summary>A dependency asked on every health round whether it answers (a store's own health or version endpoint).</summary>
public sealed class ProbeHealthCheck(Func<CancellationToken, Task<bool>> probe, string whenDown) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            return await probe(cancellationToken).ConfigureAwait(false) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy(whenDown);
        }
        catch (Exception error) when (error is HttpRequestException or TimeoutException or TaskCanceledException or IOException)
        {
            return HealthCheckResult.Unhealthy($"{whenDown} ({error.Message})");
        }
    }
}

public static class ProbeHealthCheckExtensions
{
    /// <summary>
    /// Adds check <paramref name="name"/>: <paramref name="probe"/> on the registered <typeparamref name="TClient"/>,
    /// unhealthy with <paramref name="whenDown"/> when it says no, throws a transport error, or takes over 5 s.
    /// </summary>
    public static IHealthChecksBuilder AddProbe<TClient>(
        this IHealthChecksBuilder checks, string name, Func<TClient, CancellationToken, Task<bool>> probe, string whenDown)
        where TClient : notnull =>
        checks.Add(new HealthCheckRegistration(
            name, services => new ProbeHealthCheck(token => probe(services.GetRequiredService<TClient>(), token), whenDown),
            HealthStatus.Unhealthy, tags: null, timeout: TimeSpan.FromSeconds(5)));
}

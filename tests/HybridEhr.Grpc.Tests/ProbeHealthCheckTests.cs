using HybridEhr.ServiceDefaults.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Xunit;

namespace HybridEhr.Grpc.Tests;

/// <summary>A store's probe turns its answer, or its failure to answer, into the health the service reports.</summary>
public sealed class ProbeHealthCheckTests
{
    [Fact]
    public async Task A_probe_is_healthy_only_while_the_dependency_answers_yes()
    {
        var answer = (Func<CancellationToken, Task<bool>>)(_ => Task.FromResult(true));
        var check = new ProbeHealthCheck(token => answer(token), "The store does not answer.");

        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);

        answer = _ => Task.FromResult(false);
        var down = await check.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Unhealthy, down.Status);
        Assert.Equal("The store does not answer.", down.Description);

        answer = _ => throw new HttpRequestException("Connection refused");
        var unreachable = await check.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Unhealthy, unreachable.Status);
        Assert.Contains("Connection refused", unreachable.Description, StringComparison.Ordinal);
    }
}

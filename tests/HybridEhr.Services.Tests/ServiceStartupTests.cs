using System.Text.Json;
using HybridEhr.Testing;
using Xunit;

namespace HybridEhr.Services.Tests;

/// <summary>
/// Each service, started as its own process, as an outside grpcio (C-core) client sees it: health SERVING, its API
/// listed by reflection v1alpha and v1 and resolved to its file by v1, and a call without a token refused with
/// UNAUTHENTICATED and a sentence saying what to send.
/// </summary>
public sealed class ServiceStartupTests(RunningSystem system) : IClassFixture<RunningSystem>
{
    [Theory]
    [InlineData("devnet", "hybridehr.devnet.v1.Devnet", null)]
    [InlineData("identity", "hybridehr.identity.v1.Identity", "/hybridehr.identity.v1.Identity/GetAccount")]
    [InlineData("permissions", "hybridehr.permissions.v1.Permissions", "/hybridehr.permissions.v1.Permissions/ListPendingRequests")]
    [InlineData("records", "hybridehr.records.v1.Records", "/hybridehr.records.v1.Records/GetRecord")]
    [InlineData("imagenft", "hybridehr.imagenft.v1.ImageNft", "/hybridehr.imagenft.v1.ImageNft/ListTokens")]
    [InlineData("fabricgateway", "hybridehr.fabricgateway.v1.FabricGateway", "/hybridehr.fabricgateway.v1.FabricGateway/Evaluate")]
    public void Service_is_serving_and_reflects_its_api_to_grpcio(string name, string serviceName, string? authenticatedMethod)
    {
        var report = CheckWithPython(new Uri(system.System.AddressOf(name)).Authority, authenticatedMethod);

        Assert.Equal("SERVING", report.GetProperty("health").GetString());
        var services = Names(report, "services");
        Assert.Contains(serviceName, services);
        Assert.Contains("grpc.health.v1.Health", services);
        Assert.Equal(services.Order(StringComparer.Ordinal), Names(report, "services_v1").Order(StringComparer.Ordinal));
        Assert.Equal(services.Order(StringComparer.Ordinal), Names(report, "resolved").Order(StringComparer.Ordinal));
        if (authenticatedMethod is not null)
        {
            var refused = report.GetProperty("unauthenticated");
            Assert.Equal("UNAUTHENTICATED", refused.GetProperty("code").GetString());
            Assert.Contains("authorization: Bearer", refused.GetProperty("details").GetString(), StringComparison.Ordinal);
        }
    }

    private static List<string?> Names(JsonElement report, string property) =>
        [.. report.GetProperty(property).EnumerateArray().Select(e => e.GetString())];

    private static JsonElement CheckWithPython(string target, string? authenticatedMethod)
    {
        string[] refusal = authenticatedMethod is null ? [] : ["--unauthenticated-method", authenticatedMethod];
        return GrpcioScripts.RunAsync("check_service.py", ["--target", target, .. refusal], TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
    }
}

/// <summary>The whole system, started once for the tests of a class.</summary>
public sealed class RunningSystem : IAsyncLifetime
{
    public SystemUnderTest System { get; private set; } = null!;

    public async Task InitializeAsync() => System = await SystemUnderTest.StartAsync();

    public async Task DisposeAsync() => await System.DisposeAsync();
}

using System.Diagnostics;
using System.Text.Json;
using HybridEhr.Testing;
using Xunit;

namespace HybridEhr.Services.Tests;

/// <summary>
/// Each service, started as a process on the address given by --urls, answers an outside grpcio client: health
/// SERVING and its own service listed by reflection; domain calls not built yet are UNIMPLEMENTED.
/// </summary>
public sealed class ServiceStartupTests(RunningSystem system) : IClassFixture<RunningSystem>
{
    [Theory]
    [InlineData("devnet", "hybridehr.devnet.v1.Devnet")]
    [InlineData("identity", "hybridehr.identity.v1.Identity")]
    [InlineData("permissions", "hybridehr.permissions.v1.Permissions")]
    [InlineData("records", "hybridehr.records.v1.Records")]
    [InlineData("imagenft", "hybridehr.imagenft.v1.ImageNft")]
    [InlineData("fabricgateway", "hybridehr.fabricgateway.v1.FabricGateway")]
    public void Service_is_serving_and_reflects_its_api_to_grpcio(string name, string serviceName)
    {
        var report = CheckWithPython(new Uri(system.System.AddressOf(name)).Authority);

        Assert.Equal("SERVING", report.GetProperty("health").GetString());
        var services = report.GetProperty("services").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains(serviceName, services);
        Assert.Contains("grpc.health.v1.Health", services);
    }

    private static JsonElement CheckWithPython(string target)
    {
        var scripts = Path.Combine(Repository.Root, "tests", "interop");
        var descriptorSet = Path.Combine(Path.GetTempPath(), $"hybridehr-services-{Environment.ProcessId}.pb");
        Run("bash", [Path.Combine(scripts, "make_descriptor_set.sh"), descriptorSet]);
        var output = Run("/usr/bin/python3", [Path.Combine(scripts, "check_service.py"), "--target", target, "--descriptor-set", descriptorSet]);
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    private static string Run(string file, string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} timed out");
        }

        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', arguments)} failed: {stdout.Result}{stderr.Result}");
        return stdout.Result;
    }
}

/// <summary>The whole system, started once for the tests of a class.</summary>
public sealed class RunningSystem : IAsyncLifetime
{
    public SystemUnderTest System { get; private set; } = null!;

    public async Task InitializeAsync() => System = await SystemUnderTest.StartAsync();

    public async Task DisposeAsync() => await System.DisposeAsync();
}

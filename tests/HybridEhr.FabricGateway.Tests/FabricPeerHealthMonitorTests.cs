using HybridEhr.Clients.Fabric;
using HybridEhr.Clients.Fabric.Tests;
using HybridEhr.FabricGateway.Ledger;
using HybridEhr.ServiceDefaults.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace HybridEhr.FabricGateway.Tests;

/// <summary>Real mode's health follows the peer probe: the records-chain check, which the gRPC health service reports.</summary>
public sealed class FabricPeerHealthMonitorTests : IClassFixture<PlainFakeGateway>, IDisposable
{
    private readonly PlainFakeGateway _server;
    private readonly TestCredentials _credentials = TestCredentials.Create("fabricgateway", "HospitalAMSP");
    private readonly ReportedHealth _health = new(FabricGatewaySetup.RecordsChainHealth);

    public FabricPeerHealthMonitorTests(PlainFakeGateway server)
    {
        _server = server;
        _server.State.Reset();
    }

    [Fact]
    public async Task ServingWhileThePeerAnswersForTheChaincode()
    {
        using var channel = FabricChannels.Create(_server.Address);
        var ledger = FabricRecordsLedgerTests.LedgerOver(channel, _credentials);
        Assert.Equal(HealthStatus.Unhealthy, _health.Current.Status); // not checked yet

        await Monitor(ledger.CheckPeerAsync).CheckOnceAsync(CancellationToken.None);

        Assert.Equal(HealthStatus.Healthy, _health.Current.Status);
    }

    [Fact]
    public async Task NotServingWhenThePeerIsUnreachable()
    {
        using var channel = FabricChannels.Create("http://127.0.0.1:1");
        var ledger = FabricRecordsLedgerTests.LedgerOver(channel, _credentials);

        await Monitor(ledger.CheckPeerAsync).CheckOnceAsync(CancellationToken.None);

        Assert.Equal(HealthStatus.Unhealthy, _health.Current.Status);
    }

    [Fact]
    public async Task RecoversWhenThePeerComesBackAndSurvivesAProbeThatThrows()
    {
        var healthy = false;
        var monitor = Monitor(_ => healthy
            ? Task.FromResult(new FabricPeerProbeResult(true, "ok", TimeSpan.Zero))
            : throw new InvalidOperationException("TLS handshake failed"));

        await monitor.CheckOnceAsync(CancellationToken.None);
        Assert.Equal(HealthStatus.Unhealthy, _health.Current.Status);

        healthy = true;
        await monitor.CheckOnceAsync(CancellationToken.None);
        Assert.Equal(HealthStatus.Healthy, _health.Current.Status);
    }

    public void Dispose() => _credentials.Dispose();

    private FabricPeerHealthMonitor Monitor(Func<CancellationToken, Task<FabricPeerProbeResult>> probe) =>
        new(probe, _health, TimeSpan.FromSeconds(10), NullLogger<FabricPeerHealthMonitor>.Instance);
}

using HybridEhr.Clients.Fabric;
using HybridEhr.Clients.Fabric.Tests;
using HybridEhr.FabricGateway.Ledger;
using HybridEhr.Grpc.Health;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;
using ServingStatus = HybridEhr.Grpc.Health.HealthCheckResponse.Types.ServingStatus;

namespace HybridEhr.FabricGateway.Tests;

/// <summary>Real mode's health follows the peer probe, for the server ("") and the FabricGateway service.</summary>
public sealed class FabricPeerHealthMonitorTests : IClassFixture<PlainFakeGateway>, IDisposable
{
    private static readonly string ServiceName = FabricGatewayService.Descriptor.FullName;

    private readonly PlainFakeGateway _server;
    private readonly TestCredentials _credentials = TestCredentials.Create("fabricgateway", "HospitalAMSP");
    private readonly HealthStatusRegistry _health = new();

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
        _health.SetStatus("", ServingStatus.NotServing);

        await Monitor(ledger.CheckPeerAsync).CheckOnceAsync(CancellationToken.None);

        Assert.Equal(ServingStatus.Serving, _health.GetStatus(""));
        Assert.Equal(ServingStatus.Serving, _health.GetStatus(ServiceName));
    }

    [Fact]
    public async Task NotServingWhenThePeerIsUnreachable()
    {
        using var channel = FabricChannels.Create("http://127.0.0.1:1");
        var ledger = FabricRecordsLedgerTests.LedgerOver(channel, _credentials);

        await Monitor(ledger.CheckPeerAsync).CheckOnceAsync(CancellationToken.None);

        Assert.Equal(ServingStatus.NotServing, _health.GetStatus(""));
        Assert.Equal(ServingStatus.NotServing, _health.GetStatus(ServiceName));
    }

    [Fact]
    public async Task RecoversWhenThePeerComesBackAndSurvivesAProbeThatThrows()
    {
        var healthy = false;
        var monitor = Monitor(_ => healthy
            ? Task.FromResult(new FabricPeerProbeResult(true, "ok", TimeSpan.Zero))
            : throw new InvalidOperationException("TLS handshake failed"));

        await monitor.CheckOnceAsync(CancellationToken.None);
        Assert.Equal(ServingStatus.NotServing, _health.GetStatus(ServiceName));

        healthy = true;
        await monitor.CheckOnceAsync(CancellationToken.None);
        Assert.Equal(ServingStatus.Serving, _health.GetStatus(ServiceName));
    }

    public void Dispose() => _credentials.Dispose();

    private FabricPeerHealthMonitor Monitor(Func<CancellationToken, Task<FabricPeerProbeResult>> probe) =>
        new(probe, _health, TimeSpan.FromSeconds(10), NullLogger<FabricPeerHealthMonitor>.Instance);
}

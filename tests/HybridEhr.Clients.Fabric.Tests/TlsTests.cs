using System.Text;
using Grpc.Core;
using Xunit;
using Grpc.Net.Client;

namespace HybridEhr.Clients.Fabric.Tests;

/// <summary>TLS to the peer: only the given CA is trusted; a client certificate is presented when configured.</summary>
public sealed class TlsTests(TlsFakeGateway server) : IClassFixture<TlsFakeGateway>
{
    [Fact]
    public async Task APeerCertifiedByTheGivenCaIsTrusted()
    {
        using var credentials = TestCredentials.Create("drsmith", "HospitalAMSP");
        using var channel = FabricChannels.Create(server.Address, new FabricTlsOptions
        {
            CaCertificatePem = server.CaCertificatePem,
            ServerNameOverride = TlsFakeGateway.PeerHostName,
        });

        var result = await Evaluate(channel, credentials);

        Assert.Equal("records:get_record({})", result);
        Assert.Null(server.State.LastClientCertificateSubject);
    }

    [Fact]
    public async Task AClientCertificateIsPresentedWhenGiven()
    {
        using var credentials = TestCredentials.Create("drsmith", "HospitalAMSP");
        using var tlsClient = TestCredentials.Create("fabricgateway-service", "HospitalAMSP");
        using var channel = FabricChannels.Create(server.Address, new FabricTlsOptions
        {
            CaCertificatePem = server.CaCertificatePem,
            ClientCertificatePem = tlsClient.CertificatePem,
            ClientKeyPem = tlsClient.PrivateKeyPem,
        });

        await Evaluate(channel, credentials);

        Assert.Contains("CN=fabricgateway-service", server.State.LastClientCertificateSubject, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APeerCertifiedByAnotherCaIsRefused()
    {
        using var credentials = TestCredentials.Create("drsmith", "HospitalAMSP");
        using var otherCa = TestCredentials.Create("another-ca", "OtherMSP");
        using var channel = FabricChannels.Create(server.Address, new FabricTlsOptions { CaCertificatePem = otherCa.CertificatePem });

        var error = await Assert.ThrowsAsync<TransactionException>(() => Evaluate(channel, credentials));

        // Grpc.Net.Client reports a handshake it refused as INTERNAL (not UNAVAILABLE: retrying will not help).
        Assert.Equal(Grpc.Core.StatusCode.Internal, error.StatusCode);
        Assert.Contains("SSL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnHttpsEndpointWithoutTlsSettingsIsRefused() =>
        Assert.Throws<ArgumentException>(() => FabricChannels.Create("https://127.0.0.1:7051"));

    private static async Task<string> Evaluate(GrpcChannel channel, TestCredentials credentials)
    {
        var gateway = Gateway.Connect(new GatewayOptions { Channel = channel, Identity = credentials.Identity, Signer = new EcdsaSigner(credentials.Key) });
        var result = await gateway.GetNetwork("ehr").GetContract("records", "records").EvaluateTransactionAsync("get_record", "{}");
        return Encoding.UTF8.GetString(result);
    }
}

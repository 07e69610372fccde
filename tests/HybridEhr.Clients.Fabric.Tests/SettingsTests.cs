using Xunit;

namespace HybridEhr.Clients.Fabric.Tests;

public sealed class SettingsTests
{
    [Fact]
    public void EmptySettingsNameEverythingThatIsMissing()
    {
        var problems = new FabricGatewaySettings().Validate();

        foreach (var key in new[] { "PeerEndpoint", "MspId", "Channel", "Chaincode", "CertPath", "KeyPath" })
        {
            Assert.Contains(problems, problem => problem.StartsWith(key, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void AnHttpsPeerNeedsItsTlsCaAndClientTlsGoesInPairs()
    {
        using var credentials = TestCredentials.Create("svc", "HospitalAMSP");
        var certificate = Path.GetTempFileName();
        File.WriteAllText(certificate, credentials.CertificatePem);
        try
        {
            var settings = new FabricGatewaySettings
            {
                PeerEndpoint = "https://peer0.hospitala.example.com:7051",
                MspId = "HospitalAMSP",
                CertPath = certificate,
                KeyPath = certificate,
                Channel = "ehr",
                Chaincode = "records",
                TlsClientCertPath = certificate,
            };

            var problems = settings.Validate();

            Assert.Equal(2, problems.Count);
            Assert.StartsWith("TlsCaCertPath", problems[0], StringComparison.Ordinal);
            Assert.Contains("go together", problems[1], StringComparison.Ordinal);
            settings.TlsCaCertPath = certificate;
            settings.TlsClientKeyPath = certificate;
            Assert.Empty(settings.Validate());
        }
        finally
        {
            File.Delete(certificate);
        }
    }
}

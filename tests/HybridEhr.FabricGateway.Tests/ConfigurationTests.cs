using HybridEhr.Clients.Fabric;
using HybridEhr.Clients.Fabric.Tests;
using HybridEhr.FabricGateway.Hospitals;
using HybridEhr.FabricGateway.Ledger;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace HybridEhr.FabricGateway.Tests;

/// <summary>"FabricGateway:Mode" picks the chain; real mode refuses to start on incomplete settings, saying why.</summary>
public sealed class ConfigurationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("fabricgateway-config-").FullName;
    private readonly TestCredentials _credentials = TestCredentials.Create("fabricgateway", "HospitalAMSP");

    [Theory]
    [InlineData(null, RecordsChainMode.Devnet)]
    [InlineData("", RecordsChainMode.Devnet)]
    [InlineData("Devnet", RecordsChainMode.Devnet)]
    [InlineData("fabric", RecordsChainMode.Fabric)]
    [InlineData("Fabric", RecordsChainMode.Fabric)]
    public void TheDevnetIsTheDefault(string? mode, RecordsChainMode expected) =>
        Assert.Equal(expected, FabricGatewaySetup.ReadMode(Configuration(new() { ["FabricGateway:Mode"] = mode })));

    [Fact]
    public void AnUnknownModeIsRefusedByName()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            FabricGatewaySetup.ReadMode(Configuration(new() { ["FabricGateway:Mode"] = "besu" })));

        Assert.Contains("FabricGateway:Mode is 'besu'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingPathsAreNamed()
    {
        var settings = CompleteSettings();
        settings.Remove("FabricGateway:Fabric:CertPath");
        settings.Remove("FabricGateway:Fabric:KeyPath");

        var error = Assert.Throws<InvalidOperationException>(() => FabricGatewaySetup.ReadFabricSettings(Configuration(settings)));

        Assert.Contains("FabricGateway:Fabric is incomplete", error.Message, StringComparison.Ordinal);
        Assert.Contains("CertPath is required.", error.Message, StringComparison.Ordinal);
        Assert.Contains("KeyPath is required.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FilesThatDoNotExistAreNamed()
    {
        var settings = CompleteSettings();
        settings["FabricGateway:Fabric:PeerEndpoint"] = "https://peer0.hospitala.example.com:7051";
        settings["FabricGateway:Fabric:TlsCaCertPath"] = Path.Combine(_directory, "missing-tlsca.pem");

        var error = Assert.Throws<InvalidOperationException>(() => FabricGatewaySetup.ReadFabricSettings(Configuration(settings)));

        Assert.Contains("TlsCaCertPath", error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NothingConfiguredNamesEveryRequiredSetting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => FabricGatewaySetup.ReadFabricSettings(Configuration([])));

        foreach (var name in new[] { "PeerEndpoint", "MspId", "Channel", "Chaincode", "CertPath", "KeyPath" })
        {
            Assert.Contains($"{name} is required.", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void CompleteSettingsAreRead()
    {
        var settings = FabricGatewaySetup.ReadFabricSettings(Configuration(CompleteSettings()));

        Assert.Equal("HospitalAMSP", settings.MspId);
        Assert.Equal("ehr", settings.Channel);
        Assert.Equal("records", settings.Chaincode);
    }

    [Fact]
    public void RealModeUsesFabricWithThePeerHealthCheckAndTheEventRelay()
    {
        var settings = CompleteSettings();
        settings["FabricGateway:Mode"] = "Fabric";

        var builder = Assemble(settings);
        var services = builder.Services;

        Assert.Single(services, service => service.ServiceType == typeof(IRecordsLedger));
        Assert.Equal(2, OwnBackgroundWork(services));
        Assert.DoesNotContain(services, service => service.ImplementationType == typeof(HospitalsBootstrap));
        using var app = builder.Build();
        Assert.IsType<FabricRecordsLedger>(app.Services.GetRequiredService<IRecordsLedger>());
        var hostedServices = app.Services.GetServices<IHostedService>().Select(s => s.GetType()).ToList();
        Assert.Contains(typeof(FabricPeerHealthMonitor), hostedServices);
        Assert.Contains(typeof(Events.RecordsEventRelay), hostedServices);
        var members = app.Services.GetRequiredService<Identities.FabricMembers>();
        Assert.False(members.IsEnrolmentAuthority);
    }

    [Fact]
    public void RealModeWithCertificateAuthoritiesIsTheHospitalsEnrolmentAuthority()
    {
        var settings = CompleteSettings();
        settings["FabricGateway:Mode"] = "Fabric";
        foreach (var (msp, index) in new[] { ("HospitalAMSP", 0), ("HospitalBMSP", 1) })
        {
            var (certPath, keyPath) = TestCertificateAuthority.Create(msp).WriteTo(Path.Combine(_directory, msp));
            settings[$"FabricGateway:Fabric:CertificateAuthorities:{index}:MspId"] = msp;
            settings[$"FabricGateway:Fabric:CertificateAuthorities:{index}:CertPath"] = certPath;
            settings[$"FabricGateway:Fabric:CertificateAuthorities:{index}:KeyPath"] = keyPath;
        }

        settings["FabricGateway:MasterKey"] = Convert.ToBase64String(new byte[32]);
        using var app = Assemble(settings).Build();

        var members = app.Services.GetRequiredService<Identities.FabricMembers>();
        Assert.True(members.IsEnrolmentAuthority);
        Assert.Equal(["HospitalAMSP", "HospitalBMSP"], app.Services.GetRequiredService<HospitalAdministration>().Hospitals);
        Assert.Equal("org_admin", ((Identities.FabricMemberSigner)members.AdminOf("HospitalBMSP")).Member.Role);
        Assert.True(Directory.Exists(Path.Combine(_directory, Identities.FabricWallet.DirectoryName)));
    }

    [Fact]
    public void ACertificateAuthorityWithAMissingFileOrAWrongKeyStopsTheStartUp()
    {
        var settings = CompleteSettings();
        settings["FabricGateway:Mode"] = "Fabric";
        var (certPath, _) = TestCertificateAuthority.Create("HospitalAMSP").WriteTo(Path.Combine(_directory, "a"));
        var (_, otherKeyPath) = TestCertificateAuthority.Create("HospitalAMSP").WriteTo(Path.Combine(_directory, "b"));
        settings["FabricGateway:Fabric:CertificateAuthorities:0:MspId"] = "HospitalAMSP";
        settings["FabricGateway:Fabric:CertificateAuthorities:0:CertPath"] = certPath;
        settings["FabricGateway:Fabric:CertificateAuthorities:0:KeyPath"] = Path.Combine(_directory, "missing_sk");

        var missing = Assert.Throws<InvalidOperationException>(() => Assemble(settings));
        Assert.Contains("CertificateAuthorities:0:KeyPath", missing.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", missing.Message, StringComparison.Ordinal);

        settings["FabricGateway:Fabric:CertificateAuthorities:0:KeyPath"] = otherKeyPath;
        var wrongKey = Assert.Throws<InvalidOperationException>(() => Assemble(settings));
        Assert.Contains("CertificateAuthorities:0 (HospitalAMSP) cannot be used", wrongKey.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RealModeWithIncompleteSettingsStopsTheStartUp()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Assemble(new() { ["FabricGateway:Mode"] = "Fabric" }));

        Assert.Contains("FabricGateway:Mode is Fabric but FabricGateway:Fabric is incomplete", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DevnetModeKeepsTheDevnetsBackgroundWork()
    {
        var services = Assemble([]).Services;

        var ledger = Assert.Single(services, service => service.ServiceType == typeof(IRecordsLedger));
        Assert.Equal(typeof(DevnetRecordsLedger), ledger.ImplementationType);
        Assert.Contains(services, service => service.ImplementationType == typeof(HospitalsBootstrap));
        Assert.Equal(2, OwnBackgroundWork(services));
    }

    public void Dispose()
    {
        _credentials.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>The hosted services the gateway adds itself, without the framework's health-check publisher.</summary>
    private static int OwnBackgroundWork(IServiceCollection services) =>
        services.Count(service => service.ServiceType == typeof(IHostedService)
            && service.ImplementationType?.Namespace?.StartsWith("Microsoft.", StringComparison.Ordinal) != true);

    private WebApplicationBuilder Assemble(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder();
        settings["services:identity:grpc:0"] = "http://127.0.0.1:1";
        settings["services:devnet:grpc:0"] = "http://127.0.0.1:1";
        settings["DataDirectory"] = _directory;
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddRecordsChain();
        return builder;
    }

    private Dictionary<string, string?> CompleteSettings()
    {
        var certificate = Path.Combine(_directory, "cert.pem");
        var key = Path.Combine(_directory, "key.pem");
        File.WriteAllText(certificate, _credentials.CertificatePem);
        File.WriteAllText(key, _credentials.PrivateKeyPem);
        return new()
        {
            ["FabricGateway:Fabric:PeerEndpoint"] = "http://127.0.0.1:1",
            ["FabricGateway:Fabric:MspId"] = "HospitalAMSP",
            ["FabricGateway:Fabric:CertPath"] = certificate,
            ["FabricGateway:Fabric:KeyPath"] = key,
            ["FabricGateway:Fabric:Channel"] = "ehr",
            ["FabricGateway:Fabric:Chaincode"] = "records",
        };
    }

    private static IConfiguration Configuration(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
}

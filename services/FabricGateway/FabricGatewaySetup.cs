using HybridEhr.Clients.Devnet;
using HybridEhr.Clients.Fabric;
using HybridEhr.FabricGateway.Events;
using HybridEhr.FabricGateway.Hospitals;
using HybridEhr.FabricGateway.Identities;
using HybridEhr.FabricGateway.Ledger;
using HybridEhr.ServiceDefaults.Health;
using HybridEhr.Security;
using MassTransit;
using IdentityApi = HybridEhr.Contracts.Identity.V1.Identity;

namespace HybridEhr.FabricGateway;

/// <summary>
/// How FabricGateway is assembled: the chain behind it (configuration "FabricGateway:Mode": the devnet by default, or
/// a real Fabric network), the hospitals' administration, and what runs in the background for that chain.
/// </summary>
public static class FabricGatewaySetup
{
    public const string ModeKey = "FabricGateway:Mode";

    /// <summary>The health check of the chain behind the gateway: the hospitals registered (devnet), the peer answering (Fabric).</summary>
    public const string RecordsChainHealth = "records-chain";

    private static readonly TimeSpan PeerHealthInterval = TimeSpan.FromSeconds(10);

    public static WebApplicationBuilder AddRecordsChain(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.Services.Configure<FabricGatewayOptions>(configuration.GetSection("FabricGateway"));
        builder.Services.AddSingleton(new DocumentPepper(configuration["Security:DocumentPepper"] ?? DocumentIds.DevelopmentPepper));
        builder.Services.AddForwardingGrpcClient<IdentityApi.IdentityClient>("identity");
        builder.Services.AddHealthChecks().AddReportedCheck(RecordsChainHealth);
        builder.Services.AddSingleton<HospitalAdministration>();

        switch (ReadMode(configuration))
        {
            case RecordsChainMode.Fabric:
                AddFabricNetwork(builder.Services, configuration, ReadFabricSettings(configuration), ReadEnrolmentOptions(configuration));
                break;
            default:
                AddDevnet(builder.Services, configuration);
                break;
        }

        return builder;
    }

    /// <summary>"Devnet" (also when absent) or "Fabric", in any case; anything else stops the start-up.</summary>
    public static RecordsChainMode ReadMode(IConfiguration configuration)
    {
        var value = configuration[ModeKey];
        if (string.IsNullOrWhiteSpace(value))
        {
            return RecordsChainMode.Devnet;
        }

        return Enum.TryParse<RecordsChainMode>(value.Trim(), ignoreCase: true, out var mode) && Enum.IsDefined(mode)
            ? mode
            : throw new InvalidOperationException($"{ModeKey} is '{value}': it must be 'Devnet' (the default) or 'Fabric'.");
    }

    /// <summary>The "FabricGateway:Fabric" settings, or an error naming every missing or unreadable one.</summary>
    public static FabricGatewaySettings ReadFabricSettings(IConfiguration configuration)
    {
        var settings = configuration.GetSection(FabricGatewaySettings.SectionName).Get<FabricGatewaySettings>() ?? new FabricGatewaySettings();
        var problems = settings.Validate();
        return problems.Count == 0
            ? settings
            : throw new InvalidOperationException(
                $"{ModeKey} is Fabric but {FabricGatewaySettings.SectionName} is incomplete: {string.Join(" ", problems)} (see docs/fabric.md).");
    }

    /// <summary>The per-user identity settings of real mode, or an error naming every missing or unreadable one.</summary>
    public static FabricEnrolmentOptions ReadEnrolmentOptions(IConfiguration configuration)
    {
        var options = configuration.GetSection(FabricGatewaySettings.SectionName).Get<FabricEnrolmentOptions>() ?? new FabricEnrolmentOptions();
        var problems = options.Validate();
        return problems.Count == 0
            ? options
            : throw new InvalidOperationException(
                $"{ModeKey} is Fabric but {FabricGatewaySettings.SectionName} is incomplete: {string.Join(" ", problems)} (see docs/fabric.md).");
    }

    /// <summary>The embedded default: the devnet's records chain, with the hospitals registered and its events relayed.</summary>
    private static void AddDevnet(IServiceCollection services, IConfiguration configuration)
    {
        services.AddServiceGrpcClient<DevnetClient>("devnet");
        services.AddSingleton<IRecordsLedger, DevnetRecordsLedger>();
        services.AddSingleton<IHospitalAdministrators, DevnetHospitalAdministrators>();
        services.AddHostedService<HospitalsBootstrap>();
        AddEventRelay(services, DataDirectoryOf(configuration));
    }

    /// <summary>
    /// A real network: the service connects as its configured identity and, with the hospitals' CAs configured, acts as
    /// their enrolment authority (per-user identities in a wallet, organisations registered by its network admin
    /// identity); health follows the registration and the peer; chain events are relayed as on the devnet.
    /// </summary>
    private static void AddFabricNetwork(IServiceCollection services, IConfiguration configuration, FabricGatewaySettings settings, FabricEnrolmentOptions enrolment)
    {
        // The channel lives as long as the process; certificates and keys are read once, here, so bad files stop the start-up.
        var (gateway, channel) = settings.Connect();
        var authorities = LoadAuthorities(enrolment);
        var service = FabricMembers.ServiceIdentity(settings.MspId, File.ReadAllText(settings.CertPath), File.ReadAllText(settings.KeyPath));
        var dataDirectory = DataDirectoryOf(configuration);
        var contract = string.IsNullOrEmpty(settings.Contract) ? null : settings.Contract;

        services.AddSingleton(provider => new FabricMembers(
            service,
            authorities,
            authorities.Count == 0
                ? null
                : new FabricWallet(dataDirectory, WalletKey.Load(configuration[WalletKey.ConfigurationKey], dataDirectory, provider.GetRequiredService<ILogger<WalletKey>>())),
            FabricMembers.Connector(channel, settings.Channel)));
        services.AddSingleton<IHospitalAdministrators>(provider => provider.GetRequiredService<FabricMembers>());
        services.AddSingleton(provider => new FabricRecordsLedger(
            gateway.GetNetwork(settings.Channel), settings.Chaincode, contract, provider.GetRequiredService<FabricMembers>()));
        services.AddSingleton<IRecordsLedger>(provider => provider.GetRequiredService<FabricRecordsLedger>());

        var registerOrganizations = enrolment.RegisterOrganizations && authorities.Count > 0;
        services.AddHostedService(provider =>
        {
            var hospitals = provider.GetRequiredService<HospitalAdministration>();
            var readiness = new FabricReadiness(
                registerOrganizations ? hospitals.EnsureOrganizationsAsync : _ => Task.CompletedTask,
                provider.GetRequiredService<FabricRecordsLedger>().CheckPeerAsync);
            return new FabricPeerHealthMonitor(readiness.CheckAsync, provider.GetRequiredKeyedService<ReportedHealth>(RecordsChainHealth), PeerHealthInterval,
                provider.GetRequiredService<ILogger<FabricPeerHealthMonitor>>());
        });
        AddEventRelay(services, dataDirectory);
    }

    /// <summary>The relay over whichever ledger is registered (devnet or Fabric), checkpointed in the data directory.</summary>
    private static void AddEventRelay(IServiceCollection services, string dataDirectory) =>
        services.AddHostedService(provider => new RecordsEventRelay(
            provider.GetRequiredService<IRecordsLedger>(),
            async (integrationEvent, cancellationToken) =>
            {
                // IPublishEndpoint is scoped: one scope per publish, as MassTransit expects outside a consumer.
                using var scope = provider.CreateScope();
                await scope.ServiceProvider.GetRequiredService<IPublishEndpoint>()
                    .Publish(integrationEvent, integrationEvent.GetType(), cancellationToken).ConfigureAwait(false);
            },
            Path.Combine(dataDirectory, "records-events.checkpoint"),
            provider.GetRequiredService<ILogger<RecordsEventRelay>>()));

    private static List<FabricCertificateAuthority> LoadAuthorities(FabricEnrolmentOptions enrolment)
    {
        var authorities = new List<FabricCertificateAuthority>();
        for (var i = 0; i < enrolment.CertificateAuthorities.Count; i++)
        {
            var ca = enrolment.CertificateAuthorities[i];
            try
            {
                authorities.Add(FabricCertificateAuthority.FromPemFiles(ca.MspId, ca.CertPath, ca.KeyPath, enrolment.EnrolmentValidity));
            }
            catch (Exception error) when (error is InvalidOperationException or System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                throw new InvalidOperationException(
                    $"{FabricGatewaySettings.SectionName}:CertificateAuthorities:{i} ({ca.MspId}) cannot be used: {error.Message}", error);
            }
        }

        return authorities;
    }

    private static string DataDirectoryOf(IConfiguration configuration)
    {
        var dataDirectory = configuration["DataDirectory"] ?? Path.Combine(".data", "fabricgateway");
        Directory.CreateDirectory(dataDirectory);
        return dataDirectory;
    }
}

using HybridEhr.Clients.Devnet;
using HybridEhr.Clients.Fabric;
using HybridEhr.FabricGateway.Events;
using HybridEhr.FabricGateway.Hospitals;
using HybridEhr.FabricGateway.Ledger;
using HybridEhr.Grpc.Client;
using HybridEhr.Grpc.Health;
using HybridEhr.Security;

namespace HybridEhr.FabricGateway;

/// <summary>
/// How FabricGateway is assembled: the chain behind it (configuration "FabricGateway:Mode": the devnet by default, or
/// a real Fabric network), the hospitals' administration, and what runs in the background for that chain.
/// </summary>
public static class FabricGatewaySetup
{
    public const string ModeKey = "FabricGateway:Mode";

    private static readonly TimeSpan PeerHealthInterval = TimeSpan.FromSeconds(10);

    public static WebApplicationBuilder AddRecordsChain(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.Services.Configure<FabricGatewayOptions>(configuration.GetSection("FabricGateway"));
        builder.Services.AddSingleton(new DocumentPepper(configuration["Security:DocumentPepper"] ?? DocumentIds.DevelopmentPepper));
        builder.Services.AddSingleton(new IdentityChannel(SecurityExtensions.CreateForwardingChannel(configuration.GetServiceAddress("identity"))));
        builder.Services.AddSingleton<HospitalAdministration>();

        switch (ReadMode(configuration))
        {
            case RecordsChainMode.Fabric:
                AddFabricNetwork(builder.Services, ReadFabricSettings(configuration));
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

    /// <summary>The embedded default: the devnet's records chain, with the hospitals registered and its events relayed.</summary>
    private static void AddDevnet(IServiceCollection services, IConfiguration configuration)
    {
        var devnet = new DevnetClient(GrpcChannel.ForAddress(configuration.GetServiceAddress("devnet")));
        services.AddSingleton(devnet);
        services.AddSingleton<IRecordsLedger>(new DevnetRecordsLedger(devnet));
        services.AddHostedService<HospitalsBootstrap>();

        var dataDirectory = configuration["DataDirectory"] ?? Path.Combine(".data", "fabricgateway");
        Directory.CreateDirectory(dataDirectory);
        services.AddHostedService(provider => new RecordsEventRelay(
            devnet, provider, Path.Combine(dataDirectory, "records-events.checkpoint"), provider.GetRequiredService<ILogger<RecordsEventRelay>>()));
    }

    /// <summary>
    /// A real network: organisations come from the channel configuration (the network admin registers them in the
    /// chaincode at deployment, not this service) and members from the CAs' certificates; the service signs as its
    /// configured organisation identity; health follows the peer. The devnet event relay does not run.
    /// </summary>
    private static void AddFabricNetwork(IServiceCollection services, FabricGatewaySettings settings)
    {
        // The channel lives as long as the process; the certificate and key are read once, here.
        var (gateway, _) = settings.Connect();
        var ledger = new FabricRecordsLedger(gateway.GetNetwork(settings.Channel), settings.Chaincode, string.IsNullOrEmpty(settings.Contract) ? null : settings.Contract);
        services.AddSingleton(ledger);
        services.AddSingleton<IRecordsLedger>(ledger);
        services.AddHostedService(provider => new FabricPeerHealthMonitor(
            ledger.CheckPeerAsync, provider.GetRequiredService<HealthStatusRegistry>(), PeerHealthInterval,
            provider.GetRequiredService<ILogger<FabricPeerHealthMonitor>>()));
    }
}

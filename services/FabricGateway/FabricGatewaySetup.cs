using HybridEhr.Clients.Devnet;
using HybridEhr.FabricGateway.Events;
using HybridEhr.FabricGateway.Hospitals;
using HybridEhr.FabricGateway.Ledger;
using HybridEhr.Grpc.Client;
using HybridEhr.Security;

namespace HybridEhr.FabricGateway;

/// <summary>How FabricGateway is assembled: the chain behind it, the hospitals' administration, the event relay.</summary>
public static class FabricGatewaySetup
{
    public static WebApplicationBuilder AddRecordsChain(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.Services.Configure<FabricGatewayOptions>(configuration.GetSection("FabricGateway"));
        builder.Services.AddSingleton(new DocumentPepper(configuration["Security:DocumentPepper"] ?? DocumentIds.DevelopmentPepper));
        builder.Services.AddSingleton(new IdentityChannel(SecurityExtensions.CreateForwardingChannel(configuration.GetServiceAddress("identity"))));

        // The embedded default: the devnet's records chain. A real Fabric network plugs in behind IRecordsLedger.
        var devnet = new DevnetClient(GrpcChannel.ForAddress(configuration.GetServiceAddress("devnet")));
        builder.Services.AddSingleton(devnet);
        builder.Services.AddSingleton<IRecordsLedger>(new DevnetRecordsLedger(devnet));
        builder.Services.AddSingleton<HospitalAdministration>();
        builder.Services.AddHostedService<HospitalsBootstrap>();

        var dataDirectory = configuration["DataDirectory"] ?? Path.Combine(".data", "fabricgateway");
        Directory.CreateDirectory(dataDirectory);
        builder.Services.AddHostedService(services => new RecordsEventRelay(
            devnet, services, Path.Combine(dataDirectory, "records-events.checkpoint"), services.GetRequiredService<ILogger<RecordsEventRelay>>()));
        return builder;
    }
}

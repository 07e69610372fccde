using HybridEhr.Clients.Devnet;
using HybridEhr.Clients.Substrate.Contracts;
using HybridEhr.Contracts.Identity.V1;
using IdentityApi = HybridEhr.Contracts.Identity.V1.Identity;
using HybridEhr.Messaging;
using HybridEhr.Permissions.Chain;
using HybridEhr.Permissions.Domain;
using HybridEhr.Permissions.Notifications;
using HybridEhr.Security;
using HybridEhr.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HybridEhr.Permissions.Hosting;

public static class PermissionsHostingExtensions
{
    /// <summary>
    /// The read model (journal in the data directory), the permission chain ("PermissionChain:Mode": the devnet at
    /// service "devnet" by default, or a Substrate node), signing through Identity (service "identity"), the chain
    /// follower, expiry and freshness workers.
    /// </summary>
    public static WebApplicationBuilder AddPermissions(this WebApplicationBuilder builder)
    {
        var options = PermissionsOptions.FromConfiguration(builder.Configuration);
        var configuration = builder.Configuration;
        var services = builder.Services;
        Directory.CreateDirectory(options.DataDirectory);
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);

        services.AddSingleton<IReadModelJournal>(_ =>
        {
            var journal = new FileReadModelJournal(options.JournalPath);
            if (journal.IsNew)
            {
                // A fresh read model must see every event again: rebuild from block 1.
                File.Delete(options.CheckpointPath);
            }

            return journal;
        });
        services.AddSingleton<NotificationHub>();
        services.AddSingleton(sp => new PermissionReadModel(sp.GetRequiredService<IReadModelJournal>(), sp.GetRequiredService<TimeProvider>(),
            options.NotificationRetention, sp.GetRequiredService<NotificationHub>()));
        services.AddSingleton<ReadModelFreshness>();
        services.AddSingleton<NotificationFeed>();

        services.AddForwardingGrpcClient<IdentityApi.IdentityClient>("identity");
        if (PermissionChainConfiguration.IsSubstrate(configuration))
        {
            AddSubstrateChain(services, configuration, options);
        }
        else
        {
            AddDevnetChain(services, configuration, options);
        }

        services.AddSingleton(sp => new PermissionCommands(sp.GetRequiredService<IPermissionChain>(), sp.GetRequiredService<ITransactionSignerFactory>(),
            sp.GetRequiredService<PermissionReadModel>(), sp.GetRequiredService<TimeProvider>(), options.MinimumGrantLength,
            sp.GetRequiredService<ReadModelFreshness>()));
        services.AddSingleton<PermissionQueries>();
        services.AddSingleton<FreshnessProbe>();
        services.AddSingleton<PermissionsService>();

        services.AddSingleton<IIntegrationEventPublisher>(sp => new BusIntegrationEventPublisher(sp.GetRequiredService<IBus>()));
        services.AddSingleton(sp => new DurableOutbox(options.OutboxDirectory, sp, sp.GetRequiredService<ILogger<DurableOutbox>>()));
        services.AddHostedService(sp => sp.GetRequiredService<DurableOutbox>());
        services.AddHostedService<ChainFollowerWorker>();
        services.AddHostedService<ExpiryWorker>();
        services.AddHostedService<FreshnessWorker>();
        return builder;
    }

    /// <summary>The devnet (service "devnet"): its contract, its event stream, devnet-format signing by Identity.</summary>
    private static void AddDevnetChain(IServiceCollection services, IConfiguration configuration, PermissionsOptions options)
    {
        services.AddServiceGrpcClient<DevnetClient>("devnet");
        services.AddSingleton(sp => new DevnetChain(sp.GetRequiredService<DevnetClient>(), options.Chain, options.ChainId));
        services.AddSingleton<IPermissionChain, DevnetPermissionChain>();
        services.AddSingleton<ITransactionSignerFactory>(sp => new RemoteSignerFactory(sp.GetRequiredService<IdentityApi.IdentityClient>()));
        services.AddSingleton<IPermissionEventSource>(sp =>
        {
            sp.GetRequiredService<IReadModelJournal>(); // may reset the checkpoint first
            return new DevnetPermissionEventSource(new ChainEventFollower(sp.GetRequiredService<DevnetClient>(), options.Chain, options.CheckpointPath));
        });
    }

    /// <summary>A Substrate node with the ink! contract ("PermissionChain:Substrate:*"): Identity signs whole extrinsic payloads.</summary>
    private static void AddSubstrateChain(IServiceCollection services, IConfiguration configuration, PermissionsOptions options)
    {
        var substrate = ContractConnectionOptions.Read(
            key => PermissionChainConfiguration.SubstrateSetting(configuration, key), PermissionChainConfiguration.SubstratePrefix);
        services.AddSingleton(new ContractConnection(substrate));
        services.AddSingleton<IPermissionChain>(sp => new SubstratePermissionChain(sp.GetRequiredService<ContractConnection>()));
        services.AddSingleton<ITransactionSignerFactory>(sp => new RemoteSignerFactory(sp.GetRequiredService<IdentityApi.IdentityClient>(), PayloadFormat.SubstrateExtrinsic));
        services.AddSingleton<IPermissionEventSource>(sp =>
        {
            sp.GetRequiredService<IReadModelJournal>(); // may reset the checkpoint first
            var connection = sp.GetRequiredService<ContractConnection>();
            return new SubstratePermissionEventSource(new ContractEventFollower(connection.GetAsync, options.CheckpointPath, substrate.WaitFor));
        });
    }
}

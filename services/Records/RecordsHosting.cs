using HybridEhr.ServiceDefaults.Health;
using HybridEhr.Contracts.FabricGateway.V1;
using HybridEhr.Clients.CouchDb;
using HybridEhr.Messaging;
using HybridEhr.Records.Access;
using HybridEhr.Records.Application;
using HybridEhr.Records.Chain;
using HybridEhr.Records.Crypto;
using HybridEhr.Records.Sharing;
using HybridEhr.Records.Storage;
using HybridEhr.Security;
using HybridEhr.ServiceDefaults.Writes;
using Microsoft.Extensions.DependencyInjection.Extensions;
using FabricGatewayApi = HybridEhr.Contracts.FabricGateway.V1.FabricGateway;
using IdentityApi = HybridEhr.Contracts.Identity.V1.Identity;
using PermissionsApi = HybridEhr.Contracts.Permissions.V1.Permissions;

namespace HybridEhr.Records;

/// <summary>How the Records service is put together: data directory, keys, document store (embedded or CouchDB), ports to other services.</summary>
public static class RecordsHosting
{
    /// <summary>Bearer tokens on every call but OpenShareLink, whose token is the share link itself.</summary>
    public static WebApplicationBuilder AddRecordAuthentication(this WebApplicationBuilder builder)
    {
        return builder.AddAccessTokenAuthentication();
    }

    /// <summary>The record store, keys, share links and outbox under "DataDirectory" (default .data/records).</summary>
    public static WebApplicationBuilder AddRecordStorage(this WebApplicationBuilder builder)
    {
        var dataDirectory = RecordsOptions.DataDirectory(builder.Configuration);
        var options = new RecordsOptions();
        builder.Configuration.GetSection("Records").Bind(options);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(services => KeyEncryptionKey.Load(builder.Configuration, dataDirectory, services.GetRequiredService<ILogger<KeyEncryptionKey>>()));
        builder.Services.AddSingleton<RecordCipher>();
        builder.AddRecordDocumentStore(dataDirectory, options);
        builder.Services.AddSingleton(services => new ShareLinkBook(Path.Combine(dataDirectory, "share-links"), services.GetRequiredService<KeyEncryptionKey>().Derive("share-links")));
        builder.Services.AddSingleton(services => new GuessThrottle(services.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(services => new PageTokens(services.GetRequiredService<KeyEncryptionKey>().Derive("page-tokens"), services.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<KeyedLock>();
        builder.Services.AddSingleton(services => new DurableOutbox(Path.Combine(dataDirectory, "outbox"), services, services.GetRequiredService<ILogger<DurableOutbox>>()));
        builder.Services.AddHostedService(services => services.GetRequiredService<DurableOutbox>());
        builder.Services.AddSingleton<IEventJournal, OutboxEventJournal>();
        return builder;
    }

    /// <summary>CouchDB (database Records:CouchDbDatabase) when ConnectionStrings:couchdb is set; else the embedded file store.</summary>
    private static void AddRecordDocumentStore(this WebApplicationBuilder builder, string dataDirectory, RecordsOptions options)
    {
        if (builder.Configuration.GetConnectionString("couchdb") is { Length: > 0 } couchDb)
        {
            builder.Services.AddSingleton(_ => new CouchDbClient(CouchDbOptions.FromConnectionString(couchDb)));
            builder.Services.AddHealthChecks().AddProbe<CouchDbClient>("couchdb", (client, token) => client.IsHealthyAsync(token),
                "The record store (CouchDB, ConnectionStrings:couchdb) does not answer.");
            builder.Services.AddSingleton<IRecordDocumentStore>(services =>
                new CouchRecordDocumentStore(services.GetRequiredService<CouchDbClient>(), options.CouchDbDatabase));
        }
        else
        {
            builder.Services.AddSingleton<IRecordDocumentStore>(_ => new FileRecordDocumentStore(Path.Combine(dataDirectory, "records")));
        }
    }

    /// <summary>
    /// FabricGateway, Permissions and Identity, each through a generated client that forwards the caller's token.
    /// Service discovery resolves their addresses on first use, so the service starts (and answers health checks)
    /// before the AppHost has wired everything.
    /// </summary>
    public static WebApplicationBuilder AddRecordDependencies(this WebApplicationBuilder builder)
    {
        builder.Services.AddForwardingGrpcClient<FabricGatewayApi.FabricGatewayClient>("fabricgateway");
        builder.Services.AddForwardingGrpcClient<PermissionsApi.PermissionsClient>("permissions");
        builder.Services.AddForwardingGrpcClient<IdentityApi.IdentityClient>("identity");
        builder.Services.AddSingleton<IRecordAnchors, FabricGatewayRecordAnchors>();
        builder.Services.AddSingleton<IPermissionChecker, PermissionsClient>();
        builder.Services.AddSingleton<IAccountDirectory, IdentityAccountDirectory>();
        builder.Services.AddSingleton<AccessPolicy>();
        builder.Services.AddSingleton<RecordKeeper>();
        builder.Services.AddSingleton<RecordsService>();
        return builder;
    }
}

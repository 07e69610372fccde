using HybridEhr.ServiceDefaults.Health;
using HybridEhr.Contracts.FabricGateway.V1;
using HybridEhr.Clients.Ipfs;
using HybridEhr.ImageNft.Access;
using HybridEhr.ImageNft.Crypto;
using HybridEhr.ImageNft.Downloads;
using HybridEhr.ImageNft.Ledger;
using HybridEhr.ImageNft.Storage;
using HybridEhr.ImageNft.Tokens;
using HybridEhr.ImageNft.Uploads;
using HybridEhr.Messaging;
using HybridEhr.Security;
using HybridEhr.ServiceDefaults.Writes;
using Microsoft.Extensions.DependencyInjection.Extensions;
using FabricGatewayApi = HybridEhr.Contracts.FabricGateway.V1.FabricGateway;
using PermissionsApi = HybridEhr.Contracts.Permissions.V1.Permissions;

namespace HybridEhr.ImageNft.Hosting;

public static class ImageNftRegistration
{
    /// <summary>Configuration "DataDirectory" (the AppHost sets it); default .data/imagenft under the working directory.</summary>
    public static string DataDirectory(this IConfiguration configuration) =>
        Path.GetFullPath(configuration["DataDirectory"] ?? Path.Combine(".data", "imagenft"));

    /// <summary>Storage and keys under the data directory; Permissions and FabricGateway called with the caller's token.</summary>
    public static WebApplicationBuilder AddImageNft(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var dataDirectory = configuration.DataDirectory();
        Directory.CreateDirectory(dataDirectory);
        var services = builder.Services;

        services.AddSingleton(_ =>
        {
            var options = configuration.GetSection("ImageNft").Get<ImageNftOptions>() ?? new ImageNftOptions();
            options.Validate();
            return options;
        });
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(provider => new KeyEncryptionKey(MasterKeyLoader.Load(
            provider.GetRequiredService<ImageNftOptions>().MasterKey, dataDirectory, provider.GetRequiredService<ILogger<KeyEncryptionKey>>())));

        services.AddImageBlobStore(configuration, dataDirectory);
        services.AddSingleton(_ => new ImageCatalog(dataDirectory));
        services.AddSingleton(_ => new StagingArea(dataDirectory));
        services.AddSingleton(provider => new DurableOutbox(Path.Combine(dataDirectory, "outbox"), provider, provider.GetRequiredService<ILogger<DurableOutbox>>()));
        services.AddHostedService(provider => provider.GetRequiredService<DurableOutbox>());
        services.AddSingleton<IEventOutbox, DurableEventOutbox>();

        services.AddForwardingGrpcClient<PermissionsApi.PermissionsClient>("permissions");
        services.AddForwardingGrpcClient<FabricGatewayApi.FabricGatewayClient>("fabricgateway");
        services.AddSingleton<IGrantChecker, PermissionsGrantChecker>();
        services.AddSingleton<IImageLedger, FabricImageLedger>();

        services.AddSingleton<ImageAccessPolicy>();
        services.AddSingleton<KeyedLock>();
        services.AddSingleton<UnconfirmedUploads>();
        services.AddSingleton<ImageUploads>();
        services.AddSingleton<ImageDownloads>();
        services.AddSingleton<ImageTokenQueries>();
        services.AddSingleton<ImageNftService>();
        services.AddHostedService<StartupChecks>();
        return builder;
    }

    /// <summary>An IPFS node (its RPC API URL in ConnectionStrings:ipfs) when configured; else the embedded file store.</summary>
    private static void AddImageBlobStore(this IServiceCollection services, IConfiguration configuration, string dataDirectory)
    {
        if (configuration.GetConnectionString("ipfs") is { Length: > 0 } ipfs)
        {
            services.AddSingleton(_ => new IpfsClient(IpfsOptions.FromConnectionString(ipfs)));
            services.AddHealthChecks().AddProbe<IpfsClient>("ipfs", async (client, token) => (await client.GetVersionAsync(token).ConfigureAwait(false)) is not null,
                "The image store (IPFS, ConnectionStrings:ipfs) does not answer.");
            services.AddSingleton<IImageBlobStore>(provider => new IpfsImageBlobStore(provider.GetRequiredService<IpfsClient>()));
        }
        else
        {
            services.AddSingleton<IImageBlobStore>(_ => new FileImageBlobStore(dataDirectory));
        }
    }
}

using HybridEhr.ImageNft.Crypto;
using HybridEhr.ImageNft.Storage;

namespace HybridEhr.ImageNft.Hosting;

/// <summary>Builds configuration, keys and storage at start, so a bad setting stops the service before it serves
/// anyone, the development-key warning shows at once, and leftovers of a crash are cleaned before the first upload.</summary>
internal sealed class StartupChecks(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        services.GetRequiredService<ImageNftOptions>();
        services.GetRequiredService<KeyEncryptionKey>();
        services.GetRequiredService<IImageBlobStore>();
        services.GetRequiredService<ImageCatalog>();
        services.GetRequiredService<StagingArea>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

using HybridEhr.Clients.Substrate;
using HybridEhr.Clients.Substrate.Metadata;

namespace HybridEhr.Testing.Substrate;

/// <summary>
/// The static V14 runtime metadata of substrate-contracts-node that npm's @polkadot/types-support ships: the same
/// blob the client's cross-check tests use, so the simulator speaks exactly the types a real contracts node declares.
/// Installs the pinned npm packages when missing (serialised across processes) and caches the bytes per process.
/// </summary>
public static class ContractsNodeMetadata
{
    private const string Script =
        "import hex from '@polkadot/types-support/metadata/v14/substrate-contracts-node-hex'; process.stdout.write(hex);";

    private const string RequiredBy = "the simulated contracts node needs Node.js and npm to read the runtime metadata";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static byte[]? cached;

    /// <summary>tests/HybridEhr.Clients.Substrate.Tests/polkadot, whose package-lock.json pins @polkadot/*.</summary>
    public static string NpmFolder(string repositoryRoot) =>
        Path.Combine(repositoryRoot, "tests", "HybridEhr.Clients.Substrate.Tests", "polkadot");

    public static async Task<RuntimeMetadata> LoadAsync(string? repositoryRoot = null, CancellationToken cancellationToken = default) =>
        RuntimeMetadata.Decode(await LoadBytesAsync(repositoryRoot, cancellationToken).ConfigureAwait(false));

    /// <summary>The metadata as state_getMetadata returns it (starting with the "meta" magic).</summary>
    public static async Task<byte[]> LoadBytesAsync(string? repositoryRoot = null, CancellationToken cancellationToken = default)
    {
        await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (cached is null)
            {
                var folder = NpmFolder(repositoryRoot ?? RepositoryRoot.Find());
                await EnsureInstalledAsync(folder, cancellationToken).ConfigureAwait(false);
                var (exit, stdout, stderr) = await ExternalTool.RunAsync(
                    "node", ["--input-type=module", "-e", Script], folder, TimeSpan.FromMinutes(1), RequiredBy, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (exit != 0 || !stdout.StartsWith("0x", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"node could not print the substrate-contracts-node metadata ({exit}): {stderr}");
                }

                cached = Hex.Decode(stdout.Trim());
            }

            return cached;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static Task EnsureInstalledAsync(string folder, CancellationToken cancellationToken) =>
        NpmPackages.EnsureInstalledAsync(
            folder,
            ["@polkadot/types", "@polkadot/types-support", "@polkadot/api-contract", "@polkadot/util-crypto", "@polkadot/keyring"],
            RequiredBy,
            cancellationToken: cancellationToken);
}

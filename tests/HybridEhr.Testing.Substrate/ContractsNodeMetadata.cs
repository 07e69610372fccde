using System.Security.Cryptography;
using System.Text;
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
                var (exit, stdout, stderr) = await ProcessRunner.RunAsync(
                    "node", ["--input-type=module", "-e", Script], folder, TimeSpan.FromMinutes(1), cancellationToken).ConfigureAwait(false);
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

    private static bool Installed(string folder) =>
        new[] { "types", "types-support", "api-contract", "util-crypto", "keyring" }
            .All(package => Directory.Exists(Path.Combine(folder, "node_modules", "@polkadot", package)));

    private static async Task EnsureInstalledAsync(string folder, CancellationToken cancellationToken)
    {
        if (!File.Exists(Path.Combine(folder, "package-lock.json")))
        {
            throw new InvalidOperationException($"{folder}/package-lock.json is missing: cannot install @polkadot/types-support");
        }

        var (nodeExit, _, _) = await ProcessRunner.RunAsync("node", ["--version"], folder, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        if (nodeExit != 0)
        {
            throw new InvalidOperationException("'node --version' failed: the simulated contracts node needs a working Node.js");
        }

        if (Installed(folder))
        {
            return;
        }

        // Several test processes may start at once; npm ci deletes node_modules first, so only one may run it.
        await using var installLock = await AcquireFileLockAsync(folder, cancellationToken).ConfigureAwait(false);
        if (Installed(folder))
        {
            return;
        }

        var (exit, stdout, stderr) = await ProcessRunner.RunAsync(
            "npm", ["ci", "--no-audit", "--no-fund"], folder, TimeSpan.FromMinutes(10), cancellationToken).ConfigureAwait(false);
        if (exit != 0 || !Installed(folder))
        {
            throw new InvalidOperationException($"npm ci in {folder} failed ({exit}): {stdout}\n{stderr}");
        }
    }

    // An exclusively opened file in the temp folder: the OS releases it even when the holder dies.
    private static async Task<FileStream> AcquireFileLockAsync(string folder, CancellationToken cancellationToken)
    {
        var name = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(folder))))[..16];
        var path = Path.Combine(Path.GetTempPath(), $"hybridehr-npm-{name}.lock");
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(15);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(250, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}

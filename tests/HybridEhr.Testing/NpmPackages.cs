using System.Security.Cryptography;
using System.Text;

namespace HybridEhr.Testing;

/// <summary>
/// Installs the packages a package-lock.json pins (npm ci) into a folder when node_modules lacks any of the paths the
/// caller relies on. Serialised across threads and processes by a lock file per folder, because npm ci deletes
/// node_modules first; fails loudly, with npm's output, rather than letting the tests skip.
/// </summary>
public static class NpmPackages
{
    private static readonly TimeSpan LockWait = TimeSpan.FromMinutes(15);

    /// <param name="folder">The folder with package.json and package-lock.json.</param>
    /// <param name="requiredPaths">Files or folders below node_modules that must exist, e.g. "@polkadot/types" or "fabric-shim/package.json".</param>
    /// <param name="requiredBy">What needs Node.js and npm, as a clause: "the Fabric cross-checks need Node.js 20+ and npm".</param>
    /// <param name="extraArguments">Further npm ci arguments, e.g. --ignore-scripts.</param>
    /// <param name="timeout">How long npm ci may take; 10 minutes unless given.</param>
    public static async Task EnsureInstalledAsync(
        string folder,
        IReadOnlyCollection<string> requiredPaths,
        string requiredBy,
        IEnumerable<string>? extraArguments = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        if (!File.Exists(Path.Combine(folder, "package-lock.json")))
        {
            throw new InvalidOperationException($"{folder}/package-lock.json is missing: npm ci cannot install {string.Join(", ", requiredPaths)}");
        }

        var (nodeExit, _, nodeError) = await ExternalTool.RunAsync(
            "node", ["--version"], folder, TimeSpan.FromSeconds(30), requiredBy, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (nodeExit != 0)
        {
            throw new InvalidOperationException($"'node --version' failed ({nodeExit}): {requiredBy}. {nodeError}");
        }

        if (Missing(folder, requiredPaths).Count == 0)
        {
            return;
        }

        await using var installLock = await AcquireLockAsync(folder, cancellationToken).ConfigureAwait(false);
        if (Missing(folder, requiredPaths).Count == 0)
        {
            return;
        }

        var (exit, stdout, stderr) = await ExternalTool.RunAsync(
            "npm", ["ci", .. extraArguments ?? [], "--no-audit", "--no-fund"], folder, timeout ?? TimeSpan.FromMinutes(10), requiredBy,
            cancellationToken: cancellationToken).ConfigureAwait(false);
        var missing = Missing(folder, requiredPaths);
        if (exit != 0 || missing.Count != 0)
        {
            var lacking = missing.Count == 0 ? "" : $", node_modules lacks {string.Join(", ", missing)}";
            throw new InvalidOperationException($"npm ci in {folder} failed ({exit}{lacking}): {stdout}\n{stderr}");
        }
    }

    /// <summary><see cref="EnsureInstalledAsync"/> for callers that cannot await (fixture constructors, lazy initialisers).</summary>
    public static void EnsureInstalled(
        string folder, IReadOnlyCollection<string> requiredPaths, string requiredBy, IEnumerable<string>? extraArguments = null, TimeSpan? timeout = null) =>
        EnsureInstalledAsync(folder, requiredPaths, requiredBy, extraArguments, timeout).GetAwaiter().GetResult();

    private static List<string> Missing(string folder, IEnumerable<string> requiredPaths) =>
        requiredPaths.Where(path =>
        {
            var full = Path.Combine(folder, "node_modules", path);
            return !File.Exists(full) && !Directory.Exists(full);
        }).ToList();

    // An exclusively opened file in the temp folder, named after the folder's full path: the OS releases it even when
    // the holder dies, and every suite installing into the same folder waits on the same file.
    private static async Task<FileStream> AcquireLockAsync(string folder, CancellationToken cancellationToken)
    {
        var fullPath = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        var name = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(fullPath)))[..16];
        var path = Path.Combine(Path.GetTempPath(), $"hybridehr-npm-{name}.lock");
        var deadline = DateTime.UtcNow + LockWait;
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

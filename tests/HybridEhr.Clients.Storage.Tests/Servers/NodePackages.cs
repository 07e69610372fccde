using System.Diagnostics;

namespace HybridEhr.Clients.Storage.Tests.Servers;

/// <summary>The npm packages of tests/servers, installed with <c>npm ci</c> from the committed lock file on first use.</summary>
public static class NodePackages
{
    private static readonly SemaphoreSlim InstallLock = new(1, 1);

    public static string ServersDirectory { get; } = Path.Combine(FindRepositoryRoot(), "tests", "servers");

    public static string NodeModules => Path.Combine(ServersDirectory, "node_modules");

    /// <summary>Runs <c>npm ci</c> unless a complete install is there (npm writes node_modules/.package-lock.json last).</summary>
    public static async Task EnsureInstalledAsync()
    {
        await InstallLock.WaitAsync();
        try
        {
            if (IsInstalled())
            {
                return;
            }

            // Another process (a parallel test run, the benchmark) may be installing too: take a file lock.
            await using var fileLock = await AcquireFileLockAsync(Path.Combine(ServersDirectory, ".npm-ci.lock"), TimeSpan.FromMinutes(15));
            if (IsInstalled())
            {
                return;
            }

            var info = new ProcessStartInfo("npm")
            {
                WorkingDirectory = ServersDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { "ci", "--no-audit", "--no-fund", "--loglevel=error" })
            {
                info.ArgumentList.Add(argument);
            }

            using var npm = Process.Start(info) ?? throw new InvalidOperationException("Could not start npm.");
            var stdout = npm.StandardOutput.ReadToEndAsync();
            var stderr = npm.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));
            try
            {
                await npm.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                npm.Kill(entireProcessTree: true);
                throw new TimeoutException("npm ci in tests/servers did not finish within 15 minutes.");
            }

            if (npm.ExitCode != 0 || !IsInstalled())
            {
                throw new InvalidOperationException(
                    $"npm ci in {ServersDirectory} failed ({npm.ExitCode}):\n{await stdout}\n{await stderr}");
            }
        }
        finally
        {
            InstallLock.Release();
        }
    }

    public static string Binary(string relativePath)
    {
        var path = Path.Combine(NodeModules, relativePath);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: is the npm install in tests/servers complete?");
    }

    private static bool IsInstalled() =>
        File.Exists(Path.Combine(NodeModules, ".package-lock.json"))
        && File.Exists(Path.Combine(NodeModules, "pouchdb-server", "package.json"))
        && File.Exists(Path.Combine(NodeModules, "ipfs", "package.json"));

    private static async Task<FileStream> AcquireFileLockAsync(string path, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (clock.Elapsed < timeout)
            {
                await Task.Delay(1000);
            }
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (Directory.Exists(Path.Combine(directory.FullName, "tests", "servers")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("tests/servers not found above " + AppContext.BaseDirectory);
    }
}

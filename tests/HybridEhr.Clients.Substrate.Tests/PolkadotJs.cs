using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace HybridEhr.Clients.Substrate.Tests;

/// <summary>
/// The independent reference implementation: polkadot-js, run through polkadot/crosscheck.mjs. Installs the pinned
/// npm packages on first use and fails loudly (never skips) when node or the packages cannot be had.
/// </summary>
public sealed class PolkadotJs
{
    private static readonly Lock InstallLock = new();
    private static bool installed;

    public PolkadotJs()
    {
        Directory = Path.Combine(RepositoryRoot, "tests", "HybridEhr.Clients.Substrate.Tests", "polkadot");
        EnsureInstalled(Directory);
    }

    public static string RepositoryRoot { get; } = typeof(PolkadotJs).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(attribute => attribute.Key == "RepositoryRoot").Value!;

    public string Directory { get; }

    /// <summary>Runs one crosscheck.mjs command with <paramref name="input"/> as JSON on stdin and returns its JSON answer.</summary>
    public JsonElement Run(string command, object input)
    {
        var (exitCode, stdout, stderr) = Execute("node", ["crosscheck.mjs", command], Directory, JsonSerializer.Serialize(input), TimeSpan.FromMinutes(2));
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"node crosscheck.mjs {command} failed ({exitCode}): {stderr}");
        }

        using var document = JsonDocument.Parse(stdout);
        return document.RootElement.Clone();
    }

    private static void EnsureInstalled(string directory)
    {
        lock (InstallLock)
        {
            if (installed)
            {
                return;
            }

            var (nodeExit, _, _) = TryExecute("node", ["--version"], directory);
            if (nodeExit != 0)
            {
                throw new InvalidOperationException("node is not installed: the Substrate cross-checks need Node.js (and npm) on PATH");
            }

            if (!System.IO.Directory.Exists(Path.Combine(directory, "node_modules", "@polkadot", "api-contract")))
            {
                var hasLock = File.Exists(Path.Combine(directory, "package-lock.json"));
                var (exitCode, stdout, stderr) = Execute("npm", hasLock ? ["ci", "--no-audit", "--no-fund"] : ["install", "--no-audit", "--no-fund"], directory, null, TimeSpan.FromMinutes(10));
                if (exitCode != 0)
                {
                    throw new InvalidOperationException($"npm {(hasLock ? "ci" : "install")} in {directory} failed ({exitCode}): {stdout}\n{stderr}");
                }
            }

            foreach (var package in new[] { "types", "types-support", "api-contract", "util-crypto", "keyring" })
            {
                if (!System.IO.Directory.Exists(Path.Combine(directory, "node_modules", "@polkadot", package)))
                {
                    throw new InvalidOperationException($"@polkadot/{package} is missing from {directory}/node_modules after npm ran");
                }
            }

            installed = true;
        }
    }

    private static (int ExitCode, string Stdout, string Stderr) TryExecute(string file, string[] arguments, string directory)
    {
        try
        {
            return Execute(file, arguments, directory, null, TimeSpan.FromSeconds(30));
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            return (-1, "", error.Message);
        }
    }

    private static (int ExitCode, string Stdout, string Stderr) Execute(string file, string[] arguments, string directory, string? stdin, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(stdin ?? "");
        process.StandardInput.Close();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish within {timeout}");
        }

        return (process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }
}

[CollectionDefinition(Name)]
public sealed class PolkadotJsCollection : ICollectionFixture<PolkadotJs>
{
    public const string Name = "polkadot-js";
}

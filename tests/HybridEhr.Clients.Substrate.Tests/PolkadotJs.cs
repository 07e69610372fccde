using System.Reflection;
using System.Text.Json;
using HybridEhr.Testing;

namespace HybridEhr.Clients.Substrate.Tests;

/// <summary>
/// The independent reference implementation: polkadot-js, run through polkadot/crosscheck.mjs. Installs the pinned
/// npm packages on first use and fails loudly (never skips) when node or the packages cannot be had.
/// </summary>
public sealed class PolkadotJs
{
    private const string RequiredBy = "the Substrate cross-checks need Node.js and npm on PATH";

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
        var (exitCode, stdout, stderr) = ExternalTool.Run(
            "node", ["crosscheck.mjs", command], Directory, TimeSpan.FromMinutes(2), RequiredBy, JsonSerializer.Serialize(input));
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

            // The same folder (and so the same inter-process lock) as the contracts node simulator's metadata loader.
            NpmPackages.EnsureInstalled(
                directory,
                ["@polkadot/types", "@polkadot/types-support", "@polkadot/api-contract", "@polkadot/util-crypto", "@polkadot/keyring"],
                RequiredBy);
            installed = true;
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PolkadotJsCollection : ICollectionFixture<PolkadotJs>
{
    public const string Name = "polkadot-js";
}

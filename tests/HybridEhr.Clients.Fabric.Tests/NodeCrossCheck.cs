using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using HybridEhr.Testing;

namespace HybridEhr.Clients.Fabric.Tests;

/// <summary>
/// Runs node/crosscheck.js (the official @hyperledger/fabric-gateway and @hyperledger/fabric-protos). Installs the
/// pinned packages with npm ci when node_modules is missing; a missing node or npm fails the tests, never skips them.
/// </summary>
public sealed class NodeCrossCheck
{
    private const string RequiredBy = "the Fabric cross-checks need Node.js 20+ and npm";

    private static readonly Lazy<string> InstalledDirectory = new(Install, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Directory => typeof(NodeCrossCheck).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(attribute => attribute.Key == "NodeCrossCheckDirectory").Value!;

    public static JsonObject Run(string command, object input)
    {
        var directory = InstalledDirectory.Value;
        var inputPath = Path.Combine(Path.GetTempPath(), $"fabric-crosscheck-{Guid.NewGuid():N}.json");
        File.WriteAllText(inputPath, JsonSerializer.Serialize(input));
        try
        {
            var (exitCode, output, error) = ExternalTool.Run("node", ["crosscheck.js", command, inputPath], directory, TimeSpan.FromMinutes(1), RequiredBy);
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"node crosscheck.js {command} failed ({exitCode}): {error}");
            }

            return JsonNode.Parse(output)?.AsObject() ?? throw new InvalidOperationException("crosscheck.js printed nothing.");
        }
        finally
        {
            File.Delete(inputPath);
        }
    }

    private static string Install()
    {
        // --ignore-scripts: the optional HSM module (pkcs11js) would need a native build the checks do not use.
        NpmPackages.EnsureInstalled(
            Directory, ["@hyperledger/fabric-gateway/package.json"], RequiredBy, ["--ignore-scripts"], TimeSpan.FromMinutes(5));
        return Directory;
    }
}

using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HybridEhr.Clients.Fabric.Tests;

/// <summary>
/// Runs node/crosscheck.js (the official @hyperledger/fabric-gateway and @hyperledger/fabric-protos). Installs the
/// pinned packages with npm ci when node_modules is missing; a missing node or npm fails the tests, never skips them.
/// </summary>
public sealed class NodeCrossCheck
{
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
            var (exitCode, output, error) = Execute("node", ["crosscheck.js", command, inputPath], directory, TimeSpan.FromMinutes(1));
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
        var directory = Directory;
        if (!File.Exists(Path.Combine(directory, "node_modules", "@hyperledger", "fabric-gateway", "package.json")))
        {
            // --ignore-scripts: the optional HSM module (pkcs11js) would need a native build the checks do not use.
            var (exitCode, output, error) = Execute(
                "npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund"], directory, TimeSpan.FromMinutes(5));
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"npm ci in {directory} failed ({exitCode}): {output}\n{error}");
            }
        }

        return directory;
    }

    private static (int ExitCode, string Output, string Error) Execute(string program, string[] arguments, string directory, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            throw new InvalidOperationException(
                $"'{program}' is not installed or not on PATH; the Fabric cross-checks need Node.js 20+ and npm.", error);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within {timeout}.");
            }

            return (process.ExitCode, output.Result, error.Result);
        }
    }
}

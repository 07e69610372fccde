using System.Text.Json;

namespace HybridEhr.Testing;

/// <summary>
/// Runs one of the Python (Debian's python3-grpcio) scripts of tests/interop against a running service, with the
/// descriptor set they load, and returns the one JSON object it prints.
/// </summary>
public static class GrpcioScripts
{
    private const string RequiredBy = "the grpcio interop checks need Debian's python3-grpcio (./test.sh installs it)";

    public static async Task<JsonElement> RunAsync(string script, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var scripts = Path.Combine(Repository.Root, "tests", "interop");
        var descriptorSet = Path.Combine(Path.GetTempPath(), $"hybridehr-grpcio-{Environment.ProcessId}-{Guid.NewGuid():N}.pb");
        try
        {
            await RunToSuccessAsync("bash", [Path.Combine(scripts, "make_descriptor_set.sh"), descriptorSet], scripts, TimeSpan.FromSeconds(60));
            var output = await RunToSuccessAsync("/usr/bin/python3", [Path.Combine(scripts, script), "--descriptor-set", descriptorSet, .. arguments],
                scripts, timeout);
            return JsonDocument.Parse(output).RootElement.Clone();
        }
        finally
        {
            File.Delete(descriptorSet);
        }
    }

    private static async Task<string> RunToSuccessAsync(string file, string[] arguments, string directory, TimeSpan timeout)
    {
        var (exitCode, stdout, stderr) = await ExternalTool.RunAsync(file, arguments, directory, timeout, RequiredBy);
        return exitCode == 0
            ? stdout
            : throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {exitCode}: {stdout}{stderr}");
    }
}

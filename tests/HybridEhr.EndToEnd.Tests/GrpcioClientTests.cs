using System.Diagnostics;
using System.Text.Json;
using HybridEhr.Testing;
using Xunit;

namespace HybridEhr.EndToEnd.Tests;

/// <summary>
/// The real services as Debian's python3-grpcio (C-core, an independent gRPC implementation) calls them with a
/// user's token: gzip, an oversize request, a server stream ended by its deadline and one cancelled, client-streaming
/// uploads accepted and refused.
/// </summary>
[Collection(InMemoryCollection.Name)]
public sealed class GrpcioClientTests(InMemorySystemFixture fixture) : EndToEndTest(fixture)
{
    [Fact]
    public async Task Grpcio_compresses_streams_cancels_and_is_refused_as_the_protocol_says()
    {
        var (patient, doctor) = await GrantedPairAsync("Greta", "Gael");
        var created = await CreateRecordAsync(doctor, patient);
        var image = Path.Combine(Api.System.Root, "grpcio-scan.png");
        await File.WriteAllBytesAsync(image, Bytes.Png(150_000, seed: 7));

        var report = RunPython(
            "--permissions", new Uri(Api.System.AddressOf("permissions")).Authority, "--images", new Uri(Api.System.AddressOf("imagenft")).Authority,
            "--token", doctor.Token, "--patient-token", patient.Token, "--patient", patient.AccountId, "--record", created.RecordId, "--image", image,
            "--too-large", (SystemLimits.MaxImageBytes + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal("OK", Code(report, "gzip"));
        Assert.Equal("RESOURCE_EXHAUSTED", Code(report, "oversize"));
        Assert.Equal("DEADLINE_EXCEEDED", Code(report, "watch_deadline"));
        Assert.Equal("CANCELLED", Code(report, "watch_cancelled"));
        Assert.Equal("OK", Code(report, "upload"));
        Assert.False(string.IsNullOrEmpty(report.GetProperty("upload").GetProperty("result").GetString()), "the accepted upload returned no token id");
        Assert.Equal("RESOURCE_EXHAUSTED", Code(report, "upload_too_large"));
        Assert.Contains("at most", report.GetProperty("upload_too_large").GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    private static string? Code(JsonElement report, string call) => report.GetProperty(call).GetProperty("code").GetString();

    private static JsonElement RunPython(params string[] arguments)
    {
        var scripts = Path.Combine(Repository.Root, "tests", "interop");
        var descriptorSet = Path.Combine(Path.GetTempPath(), $"hybridehr-grpcio-{Environment.ProcessId}.pb");
        Run("bash", [Path.Combine(scripts, "make_descriptor_set.sh"), descriptorSet]);
        return JsonDocument.Parse(Run("/usr/bin/python3", [Path.Combine(scripts, "check_streams.py"), "--descriptor-set", descriptorSet, .. arguments]))
            .RootElement.Clone();
    }

    private static string Run(string file, string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(180_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} timed out");
        }

        Assert.True(process.ExitCode == 0, $"{file} exited {process.ExitCode}: {stderr.Result}");
        return stdout.Result;
    }
}

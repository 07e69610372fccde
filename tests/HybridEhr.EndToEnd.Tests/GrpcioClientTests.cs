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

        var report = await GrpcioScripts.RunAsync("check_streams.py", [
            "--permissions", new Uri(Api.System.AddressOf("permissions")).Authority, "--images", new Uri(Api.System.AddressOf("imagenft")).Authority,
            "--token", doctor.Token, "--patient-token", patient.Token, "--patient", patient.AccountId, "--record", created.RecordId, "--image", image,
            "--too-large", (SystemLimits.MaxImageBytes + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)],
            TimeSpan.FromMinutes(3));

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
}

using System.Diagnostics;
using System.Globalization;
using HybridEhr.Contracts.Records.V1;
using Grpc.Core;
using Xunit;
using Xunit.Abstractions;

namespace HybridEhr.EndToEnd.Tests;

/// <summary>
/// The figure docs/fabric.md §5.4 reports: how long one record creation takes through the services on a real
/// network — the record created and anchored, a 200 KB image minted, the record updated to link it — 50 times one
/// after the other. It asserts only that every creation completed and verifies against its anchors; the latencies
/// are printed (run with --logger "console;verbosity=detailed"), never compared with a limit.
/// </summary>
[Collection(FabricCollection.Name)]
public sealed class FabricRecordLatencyTests(FabricSystemFixture fixture, ITestOutputHelper output) : EndToEndTest(fixture)
{
    private const int Creations = 50;

    [FabricNetworkFact]
    public async Task Fifty_sequential_record_creations_with_an_image_complete_and_report_their_latency()
    {
        var (patient, doctor) = await GrantedPairAsync("Lara", "Luis");
        var image = Bytes.Png(200_000, seed: 21);
        var total = new List<double>(Creations);
        var create = new List<double>(Creations);
        var mint = new List<double>(Creations);
        var link = new List<double>(Creations);
        var recordIds = new List<string>(Creations);

        for (var i = 0; i < Creations; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var created = await CreateRecordAsync(doctor, patient);
            var afterCreate = Stopwatch.GetTimestamp();
            var upload = await UploadAsync(doctor, patient, created.RecordId, image);
            var afterMint = Stopwatch.GetTimestamp();
            var document = SampleDocument();
            document.Images.Add(new ImageReference { TokenId = upload.TokenId, ContentHash = upload.ContentHash, Modality = "XR", Description = "chest" });
            await Api.Records.Call<UpdateRecordRequest, UpdateRecordResponse>(new UpdateRecordRequest
            {
                RecordId = created.RecordId, ExpectedVersion = created.Version.Version, Document = document, ChangeReason = "x-ray added",
            }, doctor.Token);
            var done = Stopwatch.GetTimestamp();

            create.Add(Stopwatch.GetElapsedTime(started, afterCreate).TotalMilliseconds);
            mint.Add(Stopwatch.GetElapsedTime(afterCreate, afterMint).TotalMilliseconds);
            link.Add(Stopwatch.GetElapsedTime(afterMint, done).TotalMilliseconds);
            total.Add(Stopwatch.GetElapsedTime(started, done).TotalMilliseconds);
            recordIds.Add(created.RecordId);
        }

        foreach (var recordId in recordIds)
        {
            var verify = await Api.Records.Call<VerifyRecordRequest, VerifyRecordResponse>(new VerifyRecordRequest { RecordId = recordId }, patient.Token);
            Assert.Equal(IntegrityVerdict.Verified, verify.Verdict);
        }

        output.WriteLine($"record creation on the Fabric network, {Creations} sequential, {Environment.ProcessorCount} cores:");
        Report("create + anchor", create);
        Report("upload 200 KB + mint", mint);
        Report("update linking the image", link);
        Report("whole creation", total);
    }

    private void Report(string what, List<double> milliseconds)
    {
        var sorted = milliseconds.Order().ToArray();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {what}: p50 {Percentile(sorted, 0.50):0.0} ms, p99 {Percentile(sorted, 0.99):0.0} ms, max {sorted[^1]:0.0} ms"));
    }

    // Nearest-rank percentile: the smallest value with at least p of the samples at or below it.
    private static double Percentile(double[] sorted, double p) => sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Length) - 1)];
}

using Xunit;

namespace HybridEhr.EndToEnd.Tests;

/// <summary>
/// Telemetry as a developer reads it on the dashboard: one record creation is one trace, from Records through the
/// services it calls (permissions, the chain gateway, Identity's signing) to the publication of its integration event.
/// </summary>
[Collection(TracedCollection.Name)]
public sealed class TraceTests(TracedSystemFixture fixture) : EndToEndTest(fixture)
{
    [Fact]
    public async Task One_record_creation_is_one_trace_across_the_services_and_its_event()
    {
        var (patient, doctor) = await GrantedPairAsync("Tracy", "Tomas");

        var created = await CreateRecordAsync(doctor, patient);

        // Spans arrive in export batches, each service on its own schedule: wait until the trace has them all.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        IReadOnlyList<ReceivedSpan> trace = [];
        string[] services = [];
        var eventPublished = false;
        while (DateTime.UtcNow < deadline)
        {
            var spans = fixture.Traces.Spans.ToList();
            var root = spans.LastOrDefault(s => s.Kind == 2 && s.Name.Contains("Records/CreateRecord", StringComparison.Ordinal));
            if (root is not null)
            {
                trace = [.. spans.Where(s => s.TraceId == root.TraceId)];
                services = [.. trace.Select(s => s.Service).Distinct().Order(StringComparer.Ordinal)];
                eventPublished = trace.Any(s => s.Service == root.Service && s.Name.Contains(nameof(Contracts.Events.RecordCreated), StringComparison.Ordinal));
                if (services.Length >= 4 && eventPublished)
                {
                    break;
                }
            }

            await Task.Delay(200);
        }

        var seen = string.Join("; ", trace.Select(s => $"{s.Service}: {s.Name}"));
        Assert.True(services.Length >= 4, $"the trace of CreateRecord {created.RecordId} spans {services.Length} services: {seen}");
        Assert.Contains(services, s => s.Contains("Records", StringComparison.Ordinal));
        Assert.Contains(services, s => s.Contains("FabricGateway", StringComparison.Ordinal));
        Assert.Contains(services, s => s.Contains("Identity", StringComparison.Ordinal));
        Assert.True(eventPublished, $"Records published no RecordCreated within the trace: {seen}");
    }
}

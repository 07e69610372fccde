using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using HybridEhr.Clients.CouchDb;

namespace HybridEhr.StorageBenchmark;

/// <summary>Sequential single-document PUTs and indexed <c>_find</c> calls: our client, node http, curl.</summary>
internal static class CouchDbBenchmark
{
    private const int Patients = 100;
    private const string DatabaseName = "bench";

    public static async Task RunAsync(Uri server, BenchmarkSettings settings)
    {
        using var client = new CouchDbClient(new CouchDbOptions { ServerUri = server });
        var info = await client.GetServerInfoAsync();
        var database = await client.EnsureDatabaseAsync(DatabaseName);
        await database.CreateIndexAsync(new IndexDefinition(["patient", "createdAt"], "by-patient"));
        var payload = Convert.ToBase64String(RandomNumberGenerator.GetBytes(240)); // an encrypted EHR body's size
        var baseline = Path.Combine(AppContext.BaseDirectory, "baseline.mjs");

        // Warm-up: JIT, connection pools, the server's own caches.
        await PutOursAsync(database, "warm", 50, payload);
        await External.RunAsync("node", baseline, "put", server.AbsoluteUri, DatabaseName, "50", "warm-node", NodeDocument(payload));

        var ours = new List<double>();
        var node = new List<double>();
        var curl = new List<double>();
        for (var round = 0; round < settings.Rounds; round++)
        {
            var clock = Stopwatch.StartNew();
            await PutOursAsync(database, $"ours-{round}", settings.Documents, payload);
            ours.Add(settings.Documents / clock.Elapsed.TotalSeconds);

            var (output, _) = await External.RunAsync("node", baseline, "put", server.AbsoluteUri, DatabaseName,
                settings.Documents.ToString(CultureInfo.InvariantCulture), $"node-{round}", NodeDocument(payload));
            node.Add(settings.Documents / (JsonDocument.Parse(output).RootElement.GetProperty("elapsedMs").GetDouble() / 1000));

            curl.Add(settings.Documents / (await PutWithCurlAsync(server, $"curl-{round}", settings.Documents, payload)).TotalSeconds);
        }

        Console.WriteLine();
        Console.WriteLine($"CouchDB API: {info.Dialect}, single-document PUT (new id, ~0.4 KB), sequential, one connection; " +
            $"{settings.Documents} docs x {settings.Rounds} rounds, median docs/s");
        Console.WriteLine($"  our client (CouchDbClient)   {External.Median(ours),8:F0} docs/s   rounds: {Rounds(ours)}");
        Console.WriteLine($"  node http (keep-alive)       {External.Median(node),8:F0} docs/s   rounds: {Rounds(node)}");
        Console.WriteLine($"  curl -K (one process)        {External.Median(curl),8:F0} docs/s   rounds: {Rounds(curl)}");

        await FindAsync(database, server, settings, baseline);
    }

    private static async Task FindAsync(CouchDatabase database, Uri server, BenchmarkSettings settings, string baseline)
    {
        var total = (await database.AllDocsAsync(new AllDocsQuery { Limit = 0 })).TotalRows;
        FindQuery Query(int i) => new()
        {
            Selector = new JsonObject { ["patient"] = $"p-{i % Patients}" },
            Sort = [new SortField("createdAt")],
            Limit = 20,
        };
        // The same body our client sends to this server (the dialect adds the index's leading field to the sort).
        var nodeBody = """{"selector":{"patient":"PATIENT"},"sort":[{"patient":"asc"},{"createdAt":"asc"}],"limit":20}""";

        for (var i = 0; i < 20; i++)
        {
            await database.FindAsync(Query(i));
        }

        var ours = new List<double>();
        var node = new List<double>();
        for (var round = 0; round < settings.Rounds; round++)
        {
            for (var i = 0; i < settings.Queries; i++)
            {
                var clock = Stopwatch.StartNew();
                var result = await database.FindAsync(Query(i));
                ours.Add(clock.Elapsed.TotalMilliseconds);
                if (result.Docs.Count == 0)
                {
                    throw new InvalidOperationException("_find returned nothing");
                }
            }

            var (output, _) = await External.RunAsync("node", baseline, "find", server.AbsoluteUri, DatabaseName,
                settings.Queries.ToString(CultureInfo.InvariantCulture), Patients.ToString(CultureInfo.InvariantCulture), nodeBody);
            node.AddRange(JsonDocument.Parse(output).RootElement.GetProperty("latenciesMs").EnumerateArray().Select(value => value.GetDouble()));
        }

        Console.WriteLine();
        Console.WriteLine($"_find on {total} docs, index (patient, createdAt), selector patient = p-N, sort createdAt, limit 20; " +
            $"{settings.Queries} sequential queries x {settings.Rounds} rounds");
        Console.WriteLine($"  our client (CouchDbClient)   p50 {External.Percentile(ours, 50),6:F2} ms   p99 {External.Percentile(ours, 99),6:F2} ms");
        Console.WriteLine($"  node http (keep-alive)       p50 {External.Percentile(node, 50),6:F2} ms   p99 {External.Percentile(node, 99),6:F2} ms");
    }

    private static async Task PutOursAsync(CouchDatabase database, string prefix, int count, string payload)
    {
        for (var i = 0; i < count; i++)
        {
            await database.PutAsync($"{prefix}-{i}", Document(i, payload));
        }
    }

    private static JsonObject Document(int i, string payload) => new()
    {
        ["type"] = "ehr",
        ["patient"] = $"p-{i % Patients}",
        ["createdAt"] = i,
        ["title"] = "X-ray, left knee",
        ["ciphertext"] = payload,
    };

    /// <summary>The same document for node, with a placeholder it replaces by the index.</summary>
    private static string NodeDocument(string payload) =>
        Document(0, payload).ToJsonString().Replace("\"createdAt\":0", "\"createdAt\":\"INDEX\"", StringComparison.Ordinal);

    /// <summary>One curl process doing every PUT in turn over one reused connection (a config file with "next").</summary>
    private static async Task<TimeSpan> PutWithCurlAsync(Uri server, string prefix, int count, string payload)
    {
        var config = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            var body = Document(i, payload).ToJsonString().Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
            config.Append(CultureInfo.InvariantCulture, $"url = \"{server.AbsoluteUri}{DatabaseName}/{prefix}-{i}\"\n")
                .Append("request = \"PUT\"\nheader = \"Content-Type: application/json\"\n")
                .Append(CultureInfo.InvariantCulture, $"data = \"{body}\"\n")
                .Append("silent\noutput = \"/dev/null\"\nwrite-out = \"%{http_code}\\n\"\n");
            if (i + 1 < count)
            {
                config.Append("next\n");
            }
        }

        var path = Path.Combine(Path.GetTempPath(), $"curl-puts-{Environment.ProcessId}.cfg");
        await File.WriteAllTextAsync(path, config.ToString());
        try
        {
            var (output, elapsed) = await External.RunAsync("curl", "-K", path);
            var created = output.Split('\n').Count(code => code == "201");
            return created == count ? elapsed : throw new InvalidOperationException($"curl created {created} of {count} documents");
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string Rounds(IEnumerable<double> values) => string.Join(", ", values.Select(value => value.ToString("F0", CultureInfo.InvariantCulture)));
}

using System.Diagnostics;
using System.Globalization;
using HybridEhr.Grpc.Client;
using HybridEhr.Grpc.Health;
using HybridEhr.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

// Measures our gRPC stack end to end (client → HTTP/2 on loopback → server → back) with the unary
// grpc.health.v1.Health/Check call: first one caller at a time (latency), then many callers at once (throughput).
// By default the server runs in this process, wired as every service is (AddServiceDefaults); --target measures
// a server that runs elsewhere on this machine.
var settings = BenchmarkSettings.Parse(args);
await using var server = settings.Target is null ? await StartServerAsync() : null;
var address = settings.Target ?? server!.Urls.First();
using var channel = GrpcChannel.ForAddress(address);
var client = new HealthClient(channel);
var request = new HealthCheckRequest();

Console.WriteLine($"gRPC unary benchmark: {address}, Health/Check, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
await RunSequentialAsync(client, request, settings.Warmup);

var latencies = await RunSequentialAsync(client, request, settings.Sequential);
Array.Sort(latencies);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"sequential: {settings.Sequential} calls, mean {latencies.Average():0.0} µs, p50 {Percentile(latencies, 0.50):0.0} µs, " +
    $"p99 {Percentile(latencies, 0.99):0.0} µs, max {latencies[^1]:0.0} µs"));

var (calls, elapsed) = await RunConcurrentAsync(client, request, settings.Concurrency, settings.Duration);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"concurrent: {settings.Concurrency} callers for {elapsed.TotalSeconds:0.0} s, {calls} calls, {calls / elapsed.TotalSeconds:0} calls/s"));
return 0;

static async Task<double[]> RunSequentialAsync(HealthClient client, HealthCheckRequest request, int count)
{
    var latencies = new double[count];
    for (var i = 0; i < count; i++)
    {
        var started = Stopwatch.GetTimestamp();
        await client.Check(request);
        latencies[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
    }

    return latencies;
}

static async Task<(long Calls, TimeSpan Elapsed)> RunConcurrentAsync(HealthClient client, HealthCheckRequest request, int callers, TimeSpan duration)
{
    long calls = 0;
    var watch = Stopwatch.StartNew();
    var workers = Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
    {
        while (watch.Elapsed < duration)
        {
            await client.Check(request);
            Interlocked.Increment(ref calls);
        }
    }));
    await Task.WhenAll(workers);
    return (calls, watch.Elapsed);
}

static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

static async Task<WebApplication> StartServerAsync()
{
    var builder = WebApplication.CreateBuilder();
    builder.AddServiceDefaults();
    builder.WebHost.UseUrls("http://127.0.0.1:0");
    builder.Logging.ClearProviders();
    var app = builder.Build();
    app.MapDefaultEndpoints();
    await app.StartAsync();
    return app; // app.Urls now holds the port Kestrel picked.
}

internal sealed record BenchmarkSettings(string? Target, int Warmup, int Sequential, int Concurrency, TimeSpan Duration)
{
    public static BenchmarkSettings Parse(string[] args)
    {
        var settings = new BenchmarkSettings(null, 5_000, 20_000, 32, TimeSpan.FromSeconds(10));
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = args[i + 1];
            settings = args[i] switch
            {
                "--target" => settings with { Target = value },
                "--warmup" => settings with { Warmup = int.Parse(value, CultureInfo.InvariantCulture) },
                "--sequential" => settings with { Sequential = int.Parse(value, CultureInfo.InvariantCulture) },
                "--concurrency" => settings with { Concurrency = int.Parse(value, CultureInfo.InvariantCulture) },
                "--seconds" => settings with { Duration = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture)) },
                _ => throw new ArgumentException($"Unknown option {args[i]}. Options: --target URL --warmup N --sequential N --concurrency N --seconds S"),
            };
        }

        return settings;
    }
}

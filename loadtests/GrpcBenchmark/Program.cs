using System.Diagnostics;
using System.Globalization;
using Grpc.Health.V1;
using HybridEhr.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// Measures unary gRPC end to end (Grpc.Net.Client → HTTP/2 on loopback → Grpc.AspNetCore → back) with
// grpc.health.v1.Health/Check, on a bare Grpc.AspNetCore server and on one set up by our AddServiceDefaults (error
// interceptor, health checks, OpenTelemetry, service discovery), one after the other in the same process: 1 caller
// (latency) and N callers at once (throughput, latency under load). The difference is what our defaults cost.
var settings = BenchmarkSettings.Parse(args);
Console.WriteLine($"gRPC unary benchmark: Health/Check on loopback, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
Console.WriteLine($"{"stack",-18} {"callers",7} {"calls",9} {"p50 µs",9} {"p99 µs",9} {"calls/s",9}");

await using (var standard = await StartBareAsync())
{
    await MeasureAsync("Grpc.AspNetCore", standard, settings);
}

await using (var defaults = await StartWithServiceDefaultsAsync())
{
    await MeasureAsync("service defaults", defaults, settings);
}

return 0;

static async Task MeasureAsync(string stack, WebApplication server, BenchmarkSettings settings)
{
    using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(server.Urls.First());
    var client = new Health.HealthClient(channel);
    var request = new HealthCheckRequest();
    await MeasureCallsAsync(stack, async () => await client.CheckAsync(request), settings);
}

static async Task MeasureCallsAsync(string stack, Func<Task> call, BenchmarkSettings settings)
{
    await RunAsync(call, 1, settings.Warmup, null);
    foreach (var callers in settings.Callers)
    {
        var (latencies, elapsed) = await RunAsync(call, callers, callers == 1 ? settings.Sequential : long.MaxValue, settings.Duration);
        Array.Sort(latencies);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{stack,-18} {callers,7} {latencies.Length,9} {Percentile(latencies, 0.50),9:0.0} {Percentile(latencies, 0.99),9:0.0} {latencies.Length / elapsed.TotalSeconds,9:0}"));
    }
}

// Each caller makes calls one after another until it has made `count` (shared) or `duration` has passed.
static async Task<(double[] Latencies, TimeSpan Elapsed)> RunAsync(Func<Task> call, int callers, long count, TimeSpan? duration)
{
    var samples = new List<double>[callers];
    long started = 0;
    var watch = Stopwatch.StartNew();
    var workers = Enumerable.Range(0, callers).Select(index => Task.Run(async () =>
    {
        var mine = samples[index] = new List<double>(1 << 14);
        while (Interlocked.Increment(ref started) <= count && (duration is null || watch.Elapsed < duration))
        {
            var begin = Stopwatch.GetTimestamp();
            await call();
            mine.Add(Stopwatch.GetElapsedTime(begin).TotalMicroseconds);
        }
    })).ToArray();
    await Task.WhenAll(workers);
    return ([.. samples.SelectMany(s => s)], watch.Elapsed);
}

static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

static async Task<WebApplication> StartWithServiceDefaultsAsync()
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

static async Task<WebApplication> StartBareAsync()
{
    var builder = WebApplication.CreateBuilder();
    builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Protocols = HttpProtocols.Http2));
    builder.WebHost.UseUrls("http://127.0.0.1:0");
    builder.Logging.ClearProviders();
    builder.Services.AddGrpc();
    builder.Services.AddGrpcHealthChecks();
    var app = builder.Build();
    app.MapGrpcHealthChecksService();
    await app.StartAsync();
    return app;
}

internal sealed record BenchmarkSettings(int Warmup, int Sequential, int[] Callers, TimeSpan Duration)
{
    public static BenchmarkSettings Parse(string[] args)
    {
        var settings = new BenchmarkSettings(5_000, 20_000, [1, 64], TimeSpan.FromSeconds(10));
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = args[i + 1];
            settings = args[i] switch
            {
                "--warmup" => settings with { Warmup = int.Parse(value, CultureInfo.InvariantCulture) },
                "--sequential" => settings with { Sequential = int.Parse(value, CultureInfo.InvariantCulture) },
                "--callers" => settings with { Callers = [.. value.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture))] },
                "--seconds" => settings with { Duration = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture)) },
                _ => throw new ArgumentException($"Unknown option {args[i]}. Options: --warmup N --sequential N --callers 1,64 --seconds S"),
            };
        }

        return settings;
    }
}

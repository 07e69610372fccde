using HybridEhr.Devnet.Ledger;
using Grpc.Core;
using HybridEhr.ServiceDefaults;

namespace HybridEhr.Devnet.Host;

/// <summary>What each command of the devnet executable does.</summary>
public static class DevnetCommands
{
    public static async Task<int> ServeAsync(DevnetOptions options, string urls, CancellationToken cancellation)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = ["--urls", urls], ContentRootPath = AppContext.BaseDirectory });
        builder.AddServiceDefaults();
        await using var chains = await DevnetChains.OpenAsync(options, cancellation);
        foreach (var (name, ledger) in chains.Ledgers)
        {
            var info = ledger.ChainInfo;
            var recovery = ledger.Recovery;
            var torn = recovery.TruncatedBytes > 0 ? $", cut a torn tail of {recovery.TruncatedBytes} bytes ({recovery.TruncationReason})" : "";
            Console.WriteLine($"devnet: chain '{name}' ({info.ChainId}) at height {info.Height}, {info.TransactionCount} transactions; " +
                $"recovery replayed {recovery.BlocksReplayed} blocks in {recovery.Duration.TotalMilliseconds:0} ms{torn}");
        }

        builder.Services.AddSingleton(chains);
        await using var app = builder.Build();
        app.MapGrpcService<DevnetService>();
        app.MapDefaultEndpoints();
        Console.WriteLine($"devnet: serving on {urls}, data in {Path.GetFullPath(options.DataDirectory)}, block time {options.BlockTimeMs} ms");
        await app.RunAsync();
        return 0;
    }

    public static int Verify(string dataDirectory)
    {
        var chainDirectories = File.Exists(Path.Combine(dataDirectory, "blocks.log"))
            ? [dataDirectory]
            : Directory.Exists(dataDirectory)
                ? Directory.GetDirectories(dataDirectory).Where(d => File.Exists(Path.Combine(d, "blocks.log"))).Order(StringComparer.Ordinal).ToArray()
                : [];
        if (chainDirectories.Length == 0)
        {
            Console.Error.WriteLine($"verify: no block log under {dataDirectory}");
            return 2;
        }

        var ok = true;
        foreach (var directory in chainDirectories)
        {
            var result = DevnetLedger.Verify(directory);
            var name = Path.GetFileName(directory);
            if (result.IsValid)
            {
                Console.WriteLine($"verify: {name}: OK, {result.BlockCount} blocks" +
                    (result.TornTailBytes > 0 ? $" (a torn tail of {result.TornTailBytes} bytes will be cut on start)" : ""));
            }
            else
            {
                ok = false;
                Console.WriteLine($"verify: {name}: FAILED at block {result.FirstBadHeight}: {result.Message}");
            }
        }

        return ok ? 0 : 1;
    }

    public static async Task<int> BenchAsync(int clients, int transactions, int inFlight, int blockTimeMs, CancellationToken cancellation)
    {
        Console.WriteLine($"devnet bench: {Environment.ProcessorCount} cores, temporary data directory under {Path.GetTempPath()}");
        var runs = clients > 0
            ? [Options(clients, transactions, inFlight, blockTimeMs)]
            : new[]
            {
                // The two targets: latency with one client and no batching; throughput with 50 ms blocks.
                Options(clients: 1, transactions: 2000, inFlight: 1, blockTimeMs: 0),
                Options(clients: 64, transactions: 300, inFlight: 8, blockTimeMs: 50),
            };
        foreach (var options in runs)
        {
            var result = await LedgerBenchmark.RunAsync(options, cancellation);
            Console.WriteLine(result);
        }

        return 0;
    }

    private static BenchmarkOptions Options(int clients, int transactions, int inFlight, int blockTimeMs) => new()
    {
        Clients = clients,
        TransactionsPerClient = transactions > 0 ? transactions : 1000,
        InFlightPerClient = Math.Max(1, inFlight),
        BlockTime = TimeSpan.FromMilliseconds(blockTimeMs),
    };
}

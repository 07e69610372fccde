using System.Diagnostics;
using System.Text.Json.Nodes;

namespace HybridEhr.Devnet.Ledger;

public sealed class BenchmarkOptions
{
    /// <summary>Where to put the chain; null = a fresh temporary directory, deleted afterwards.</summary>
    public string? DataDirectory { get; init; }

    public TimeSpan BlockTime { get; init; } = TimeSpan.Zero;

    public int MaxTransactionsPerBlock { get; init; } = 2000;

    /// <summary>Concurrent clients; each has its own key and submits its next transaction when the previous one commits.</summary>
    public int Clients { get; init; } = 1;

    public int TransactionsPerClient { get; init; } = 1000;

    /// <summary>
    /// Transactions a client keeps in flight (submitted in nonce order, each on its own counter slot so they never
    /// conflict). 1 = closed loop: then 64 clients with a 50 ms block time can commit at most 64 transactions per block.
    /// </summary>
    public int InFlightPerClient { get; init; } = 1;

    /// <summary>Transactions per client before measuring (JIT, caches).</summary>
    public int WarmupTransactionsPerClient { get; init; } = 50;
}

/// <param name="P50Ms">Median submit-to-durable-commit latency (signature check, queueing, execution, fsync).</param>
/// <param name="RawFsyncP50Ms">What one fsync of a small append costs on the data directory's disk, measured alone.</param>
public sealed record BenchmarkResult(
    int Clients, int InFlightPerClient, double BlockTimeMs, int Transactions, int ValidTransactions, double Seconds, double TransactionsPerSecond,
    double P50Ms, double P99Ms, double MaxMs, long Blocks, double MeanTransactionsPerBlock, double MeanFsyncMs, double RawFsyncP50Ms)
{
    public override string ToString() =>
        $"clients={Clients} inFlight={InFlightPerClient} blockTime={BlockTimeMs}ms tx={Transactions} valid={ValidTransactions} time={Seconds:F2}s " +
        $"throughput={TransactionsPerSecond:F0} tx/s p50={P50Ms:F3}ms p99={P99Ms:F3}ms max={MaxMs:F2}ms blocks={Blocks} " +
        $"tx/block={MeanTransactionsPerBlock:F1} fsync(in ledger)={MeanFsyncMs:F3}ms fsync(raw p50)={RawFsyncP50Ms:F3}ms";
}

/// <summary>
/// The devnet's own benchmark (the host's "bench" command runs it): clients incrementing their own counters on
/// <see cref="BenchmarkContract"/>, each keeping <see cref="BenchmarkOptions.InFlightPerClient"/> transactions in flight. Transactions are signed before the clock starts, so the figures measure the
/// ledger (signature verification included), not the clients' signing.
/// </summary>
public static class LedgerBenchmark
{
    public static async Task<BenchmarkResult> RunAsync(BenchmarkOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var temporary = options.DataDirectory is null;
        var dataDirectory = options.DataDirectory ?? Path.Combine(Path.GetTempPath(), "devnet-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            var rawFsync = MeasureRawFsync(dataDirectory);
            const string chainId = "devnet-bench";
            var ledger = await DevnetLedger.OpenAsync(new LedgerOptions
            {
                DataDirectory = dataDirectory,
                Genesis = new GenesisConfig(chainId, []),
                BlockTime = options.BlockTime,
                MaxTransactionsPerBlock = options.MaxTransactionsPerBlock,
            }, [new BenchmarkContract()], cancellationToken).ConfigureAwait(false);
            await using (ledger.ConfigureAwait(false))
            {
                var total = options.WarmupTransactionsPerClient + options.TransactionsPerClient;
                var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                var window = Math.Max(1, options.InFlightPerClient);
                var workloads = Enumerable.Range(0, options.Clients).Select(client =>
                {
                    var key = DevnetKey.Generate();
                    // Transaction n uses slot n mod window; n and n + window are never in flight together.
                    var slotArgs = Enumerable.Range(0, window).Select(slot => new JsonObject { ["key"] = $"counter-{client}-{slot}" }.ToJsonString()).ToArray();
                    return Enumerable.Range(0, total)
                        .Select(n => SignedTransaction.Create(key, chainId, BenchmarkContract.ContractName, "increment", slotArgs[n % window], n, timestamp))
                        .ToArray();
                }).ToArray();

                await Task.WhenAll(workloads.Select(w => RunClientAsync(ledger, w[..options.WarmupTransactionsPerClient], window, new double[options.WarmupTransactionsPerClient], cancellationToken))).ConfigureAwait(false);
                var before = ledger.Statistics;
                var latencies = new double[options.Clients][];
                var valid = new int[options.Clients];
                var started = Stopwatch.GetTimestamp();
                await Task.WhenAll(workloads.Select((w, client) => Task.Run(async () =>
                {
                    latencies[client] = new double[options.TransactionsPerClient];
                    valid[client] = await RunClientAsync(ledger, w[options.WarmupTransactionsPerClient..], window, latencies[client], cancellationToken).ConfigureAwait(false);
                }, cancellationToken))).ConfigureAwait(false);
                var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                var after = ledger.Statistics;

                var all = latencies.SelectMany(l => l).Order().ToArray();
                var blocks = after.BlocksCommitted - before.BlocksCommitted;
                var transactions = all.Length;
                var fsyncMs = blocks == 0 ? 0 : ((after.MeanFsyncMs * after.Fsyncs) - (before.MeanFsyncMs * before.Fsyncs)) / blocks;
                return new BenchmarkResult(
                    options.Clients, window, options.BlockTime.TotalMilliseconds, transactions, valid.Sum(), seconds, transactions / seconds,
                    Percentile(all, 0.50), Percentile(all, 0.99), all.Length == 0 ? 0 : all[^1], blocks,
                    blocks == 0 ? 0 : (double)(after.TransactionsCommitted - before.TransactionsCommitted) / blocks, fsyncMs, rawFsync);
            }
        }
        finally
        {
            if (temporary && Directory.Exists(dataDirectory))
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
        }
    }

    /// <summary>Submits in nonce order, keeping up to <paramref name="window"/> transactions in flight.</summary>
    private static async Task<int> RunClientAsync(
        DevnetLedger ledger, SignedTransaction[] transactions, int window, double[] latencies, CancellationToken cancellationToken)
    {
        var inFlight = new Queue<Task<bool>>(window);
        var valid = 0;
        for (var n = 0; n < transactions.Length; n++)
        {
            if (inFlight.Count == window)
            {
                valid += await inFlight.Dequeue().ConfigureAwait(false) ? 1 : 0;
            }
            // SubmitAsync queues synchronously, so submission order (and so nonce order) is preserved.
            inFlight.Enqueue(SubmitTimedAsync(ledger, transactions[n], latencies, n, cancellationToken));
        }
        while (inFlight.Count > 0)
        {
            valid += await inFlight.Dequeue().ConfigureAwait(false) ? 1 : 0;
        }
        return valid;
    }

    private static async Task<bool> SubmitTimedAsync(DevnetLedger ledger, SignedTransaction transaction, double[] latencies, int index, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var outcome = await ledger.SubmitAsync(transaction, cancellationToken).ConfigureAwait(false);
        latencies[index] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return outcome.IsValid;
    }

    private static double Percentile(double[] sorted, double fraction) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(fraction * sorted.Length) - 1)];

    /// <summary>Median time of fsync after a 300-byte append in <paramref name="directory"/>: the floor under commit latency.</summary>
    private static double MeasureRawFsync(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "fsync-probe.tmp");
        var samples = new double[200];
        var record = new byte[300];
        try
        {
            using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
            for (var i = 0; i < samples.Length; i++)
            {
                stream.Write(record);
                var started = Stopwatch.GetTimestamp();
                stream.Flush(flushToDisk: true);
                samples[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }
        finally
        {
            File.Delete(path);
        }
        Array.Sort(samples);
        return Percentile(samples, 0.5);
    }
}

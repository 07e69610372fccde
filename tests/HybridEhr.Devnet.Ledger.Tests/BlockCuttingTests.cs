using System.Diagnostics;

namespace HybridEhr.Devnet.Ledger.Tests;

public sealed class BlockCuttingTests
{
    [Fact]
    public async Task With_block_time_zero_sequential_transactions_each_get_their_own_block()
    {
        using var directory = new TempDirectory();
        await using var ledger = await TestChain.OpenAsync(directory.Path);
        var key = DevnetKey.Generate();

        var heights = new List<long>();
        for (var n = 0; n < 3; n++)
        {
            heights.Add((await ledger.SubmitAsync(TestChain.Put(key, n, "k", $"{n}"))).BlockHeight);
        }

        Assert.Equal([1, 2, 3], heights);
    }

    [Fact]
    public async Task A_block_is_cut_when_it_reaches_the_maximum_count_before_the_block_time()
    {
        using var directory = new TempDirectory();
        await using var ledger = await TestChain.OpenAsync(directory.Path, TimeSpan.FromSeconds(30), maxTransactionsPerBlock: 3);
        var clock = Stopwatch.StartNew();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 3).Select(n => ledger.SubmitAsync(TestChain.Put(DevnetKey.Generate(), 1, $"k{n}", "v"))));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.All(outcomes, o => Assert.Equal(1, o.BlockHeight));
        Assert.Equal([0, 1, 2], outcomes.Select(o => o.TxIndex).Order());
        Assert.Equal(3, ledger.GetBlock(1)!.Transactions.Count);
    }

    [Fact]
    public async Task A_block_is_cut_when_the_block_time_runs_out()
    {
        using var directory = new TempDirectory();
        var blockTime = TimeSpan.FromMilliseconds(400);
        await using var ledger = await TestChain.OpenAsync(directory.Path, blockTime, maxTransactionsPerBlock: 100);
        var clock = Stopwatch.StartNew();

        var first = ledger.SubmitAsync(TestChain.Put(DevnetKey.Generate(), 1, "a", "v"));
        await Task.Delay(50);
        var second = ledger.SubmitAsync(TestChain.Put(DevnetKey.Generate(), 1, "b", "v"));
        var outcomes = await Task.WhenAll(first, second);
        var elapsed = clock.Elapsed;

        Assert.True(elapsed >= blockTime - TimeSpan.FromMilliseconds(50), $"cut after {elapsed}");
        Assert.All(outcomes, o => Assert.Equal(1, o.BlockHeight));
        Assert.Equal(2, ledger.GetBlock(1)!.Transactions.Count);

        var later = await ledger.SubmitAsync(TestChain.Put(DevnetKey.Generate(), 1, "c", "v"));
        Assert.Equal(2, later.BlockHeight);
    }

    [Fact]
    public async Task Block_timestamps_never_go_backwards()
    {
        using var directory = new TempDirectory();
        await using var ledger = await TestChain.OpenAsync(directory.Path);
        var key = DevnetKey.Generate();
        for (var n = 0; n < 5; n++)
        {
            await ledger.SubmitAsync(TestChain.Put(key, n, "k", "v"));
        }

        var timestamps = Enumerable.Range(0, 6).Select(h => ledger.GetBlock(h)!.Timestamp).ToArray();

        Assert.Equal(timestamps.Order(), timestamps);
    }

    [Fact]
    public async Task The_benchmark_runs_and_reports_figures()
    {
        var result = await LedgerBenchmark.RunAsync(new BenchmarkOptions
        {
            Clients = 4,
            TransactionsPerClient = 30,
            WarmupTransactionsPerClient = 5,
            BlockTime = TimeSpan.FromMilliseconds(5),
        });

        Assert.Equal(120, result.Transactions);
        Assert.Equal(120, result.ValidTransactions);
        Assert.True(result.TransactionsPerSecond > 0);
        Assert.True(result.P99Ms >= result.P50Ms);
        Assert.True(result.Blocks > 0);
    }
}

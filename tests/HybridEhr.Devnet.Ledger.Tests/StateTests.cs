using System.Text;
using System.Text.Json.Nodes;

namespace HybridEhr.Devnet.Ledger.Tests;

public sealed class StateTests
{
    [Fact]
    public async Task Two_read_modify_writes_of_one_key_in_one_block_the_second_is_an_MVCC_conflict()
    {
        using var directory = new TempDirectory();
        // Cut by count (2) long before the block time, so both land in the same block.
        await using var ledger = await TestChain.OpenAsync(directory.Path, TimeSpan.FromSeconds(30), maxTransactionsPerBlock: 2);
        var alice = DevnetKey.Generate();
        var bob = DevnetKey.Generate();

        var outcomes = await Task.WhenAll(
            ledger.SubmitAsync(TestChain.Tx(alice, 1, "append", new JsonObject { ["key"] = "shared", ["value"] = "a" })),
            ledger.SubmitAsync(TestChain.Tx(bob, 1, "append", new JsonObject { ["key"] = "shared", ["value"] = "b" })));

        Assert.Equal(outcomes[0].BlockHeight, outcomes[1].BlockHeight);
        var first = outcomes.Single(o => o.TxIndex == 0);
        var second = outcomes.Single(o => o.TxIndex == 1);
        Assert.Equal(ValidationCode.Valid, first.Code);
        Assert.Equal(ValidationCode.MvccConflict, second.Code);
        Assert.Equal("MVCC_CONFLICT", second.CodeName);
        Assert.Equal(first.ResultJson!.Trim('"'), TestChain.Get(ledger, "shared"));
        Assert.Single(ledger.GetHistory(KvContract.ContractName, "shared"));
        Assert.Equal(ValidationCode.MvccConflict, ledger.GetBlock(first.BlockHeight)!.Transactions[1].Code);
    }

    [Fact]
    public async Task Blind_writes_to_one_key_in_one_block_do_not_conflict_and_the_last_wins()
    {
        using var directory = new TempDirectory();
        await using var ledger = await TestChain.OpenAsync(directory.Path, TimeSpan.FromSeconds(30), maxTransactionsPerBlock: 2);

        var outcomes = await Task.WhenAll(
            ledger.SubmitAsync(TestChain.Put(DevnetKey.Generate(), 1, "k", "one")),
            ledger.SubmitAsync(TestChain.Put(DevnetKey.Generate(), 1, "k", "two")));

        Assert.All(outcomes, o => Assert.True(o.IsValid));
        var last = outcomes.Single(o => o.TxIndex == 1);
        Assert.Equal(last.TxId == outcomes[0].TxId ? "one" : "two", TestChain.Get(ledger, "k"));
        Assert.Equal(2, ledger.GetHistory(KvContract.ContractName, "k").Count);
    }

    [Fact]
    public async Task A_prefix_scan_conflicts_with_an_earlier_insert_under_the_prefix_in_the_same_block()
    {
        using var directory = new TempDirectory();
        await using var ledger = await TestChain.OpenAsync(directory.Path, TimeSpan.FromSeconds(30), maxTransactionsPerBlock: 2);
        var writer = DevnetKey.Generate();
        var scanner = DevnetKey.Generate();

        var insert = ledger.SubmitAsync(TestChain.Put(writer, 1, "item/1", "x"));
        var scan = ledger.SubmitAsync(TestChain.Tx(scanner, 1, "count_prefix", new JsonObject { ["prefix"] = "item/" }));
        var outcomes = await Task.WhenAll(insert, scan);

        var byIndex = outcomes.OrderBy(o => o.TxIndex).ToArray();
        Assert.True(byIndex[0].IsValid);
        if (byIndex[0].TxId == outcomes[0].TxId)
        {
            Assert.Equal(ValidationCode.MvccConflict, byIndex[1].Code);
        }
        else
        {
            Assert.True(byIndex[1].IsValid);
        }
    }

    [Fact]
    public async Task History_lists_every_committed_modification_oldest_first()
    {
        using var directory = new TempDirectory();
        await using var ledger = await TestChain.OpenAsync(directory.Path);
        var key = DevnetKey.Generate();

        var first = await ledger.SubmitAsync(TestChain.Put(key, 1, "doc", "v1"));
        var second = await ledger.SubmitAsync(TestChain.Put(key, 2, "doc", "v2"));
        var deletion = await ledger.SubmitAsync(TestChain.Tx(key, 3, "delete", new JsonObject { ["key"] = "doc" }));
        await ledger.SubmitAsync(TestChain.Tx(key, 4, "emit_then_fail", new JsonObject { ["key"] = "doc" }));

        var history = ledger.GetHistory(KvContract.ContractName, "doc");
        Assert.Equal([first.TxId, second.TxId, deletion.TxId], history.Select(h => h.TransactionId));
        Assert.Equal("v1", Encoding.UTF8.GetString(history[0].Value!));
        Assert.Equal("v2", Encoding.UTF8.GetString(history[1].Value!));
        Assert.True(history[2].IsDelete);
        Assert.Null(history[2].Value);
        Assert.Equal(deletion.BlockHeight, history[2].BlockHeight);
        Assert.Equal(ledger.GetBlock(first.BlockHeight)!.Timestamp, history[0].Timestamp);
        Assert.Null(TestChain.Get(ledger, "doc"));
        // Contracts see the same history.
        Assert.Equal("3", ledger.Query(KvContract.ContractName, "history", new JsonObject { ["key"] = "doc" }, key.AccountId).ResultJson);
    }

    [Fact]
    public async Task Queries_run_on_committed_state_and_never_write()
    {
        using var directory = new TempDirectory();
        await using var ledger = await TestChain.OpenAsync(directory.Path);
        var key = DevnetKey.Generate();
        await ledger.SubmitAsync(TestChain.Put(key, 1, "k", "committed"));
        var before = ledger.ChainInfo;

        var peek = ledger.Query(KvContract.ContractName, "peek", new JsonObject { ["key"] = "k" }, CallerIdentity.Account(key.AccountId));
        var get = ledger.Query(KvContract.ContractName, "get", new JsonObject { ["key"] = "k" }, key.AccountId);
        var unknown = ledger.Query(KvContract.ContractName, "nope", [], key.AccountId);
        var noContract = ledger.Query("nope", "get", [], key.AccountId);

        Assert.Equal("\"peeked\"", peek.ResultJson);
        Assert.Equal("\"committed\"", get.ResultJson);
        Assert.Equal(ValidationCode.UnknownFunction, unknown.Code);
        Assert.Equal(ValidationCode.UnknownContract, noContract.Code);
        Assert.Equal("committed", TestChain.Get(ledger, "k"));
        Assert.Single(ledger.GetHistory(KvContract.ContractName, "k"));
        Assert.Equal(before, ledger.ChainInfo);
    }

    [Fact]
    public async Task Events_arrive_only_after_commit_and_never_for_failed_transactions()
    {
        using var directory = new TempDirectory();
        await using var ledger = await TestChain.OpenAsync(directory.Path);
        var key = DevnetKey.Generate();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var received = new List<LedgerEvent>();
        var committedWhenReceived = new List<bool>();
        var watching = Task.Run(async () =>
        {
            await foreach (var ledgerEvent in ledger.WatchEventsAsync(1, timeout.Token))
            {
                committedWhenReceived.Add(ledger.GetTransaction(ledgerEvent.TxId) is not null);
                received.Add(ledgerEvent);
                if (ledgerEvent.Name == "Last")
                {
                    return;
                }
            }
        });

        var first = await ledger.SubmitAsync(TestChain.Tx(key, 1, "emit", new JsonObject { ["key"] = "a", ["name"] = "First" }));
        var failed = await ledger.SubmitAsync(TestChain.Tx(key, 2, "emit_then_fail", new JsonObject { ["key"] = "b" }));
        var last = await ledger.SubmitAsync(TestChain.Tx(key, 3, "emit", new JsonObject { ["key"] = "c", ["name"] = "Last" }));
        await watching;

        Assert.Equal(ValidationCode.ContractError, failed.Code);
        Assert.Equal(["First", "Last"], received.Select(e => e.Name));
        Assert.All(committedWhenReceived, Assert.True);
        Assert.Equal(first.TxId, received[0].TxId);
        Assert.Equal(last.BlockHeight, received[1].BlockHeight);
        Assert.Equal("{\"key\":\"a\"}", received[0].PayloadJson);
        Assert.Equal(KvContract.ContractName, received[0].Contract);
        Assert.Single(first.Events);

        // A watcher that starts later gets the same events replayed from the log.
        var replayed = new List<LedgerEvent>();
        await foreach (var ledgerEvent in ledger.WatchEventsAsync(1, timeout.Token))
        {
            replayed.Add(ledgerEvent);
            if (replayed.Count == 2)
            {
                break;
            }
        }
        Assert.Equal(received, replayed);
    }

    [Fact]
    public async Task Many_concurrent_submitters_all_commit_and_the_chain_verifies()
    {
        using var directory = new TempDirectory();
        await using (var ledger = await TestChain.OpenAsync(directory.Path))
        {
            var clients = Enumerable.Range(0, 8).Select(_ => DevnetKey.Generate()).ToArray();
            var outcomes = await Task.WhenAll(clients.Select((key, client) => Task.Run(async () =>
            {
                var results = new List<TransactionOutcome>();
                for (var n = 0; n < 25; n++)
                {
                    results.Add(await ledger.SubmitAsync(TestChain.Tx(key, n, "append", new JsonObject { ["key"] = $"c{client}", ["value"] = "x" })));
                }
                return results;
            })));

            Assert.All(outcomes.SelectMany(o => o), o => Assert.True(o.IsValid));
            Assert.Equal(200, ledger.ChainInfo.TransactionCount);
            Assert.Equal(new string('x', 25), TestChain.Get(ledger, "c3"));
        }
        Assert.True(DevnetLedger.Verify(directory.Path).IsValid);
    }
}

public sealed class ApiTests
{
    [Fact]
    public async Task Verify_can_audit_a_running_ledger_and_blocks_and_watchers_respect_heights()
    {
        using var directory = new TempDirectory();
        await using var ledger = await TestChain.OpenAsync(directory.Path);
        var key = DevnetKey.Generate();
        for (var n = 1; n <= 3; n++)
        {
            await ledger.SubmitAsync(TestChain.Tx(key, n, "emit", new JsonObject { ["key"] = $"k{n}", ["name"] = $"E{n}" }));
        }

        var verify = DevnetLedger.Verify(directory.Path);
        Assert.True(verify.IsValid, verify.Message);
        Assert.Null(ledger.GetBlock(4));
        Assert.Null(ledger.GetBlock(-1));
        Assert.Null(ledger.GetTransaction("00"));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await foreach (var ledgerEvent in ledger.WatchEventsAsync(3, timeout.Token))
        {
            Assert.Equal("E3", ledgerEvent.Name);
            Assert.Equal(3, ledgerEvent.BlockHeight);
            break;
        }
    }

    [Fact]
    public async Task Contract_names_starting_with_an_underscore_are_reserved_for_the_ledger()
    {
        using var directory = new TempDirectory();

        await Assert.ThrowsAsync<ArgumentException>(() => DevnetLedger.OpenAsync(
            new LedgerOptions { DataDirectory = directory.Path, Genesis = new GenesisConfig(TestChain.ChainId, []) },
            [new NamedContract("_membership")]));
    }

    private sealed class NamedContract(string name) : IContract
    {
        public string Name => name;

        public bool IsQuery(string function) => false;

        public JsonNode? Invoke(IContractContext context, string function, JsonObject args) => null;
    }
}

using System.Text.Json.Nodes;

namespace HybridEhr.Devnet.Ledger.Tests;

public sealed class TransactionTests
{
    [Fact]
    public void DevnetKey_matches_the_RFC_8032_test_vector()
    {
        // RFC 8032 §7.1, TEST 1 (empty message).
        var key = DevnetKey.FromSeedHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");

        Assert.Equal("0xd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", key.AccountId);
        Assert.Equal(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
            Convert.ToHexStringLower(key.Sign([])));
    }

    [Fact]
    public void Canonical_bytes_round_trip_and_give_a_stable_id()
    {
        var key = DevnetKey.Generate();
        var transaction = TestChain.Put(key, 7, "k", "v");

        var decoded = SignedTransaction.Decode(transaction.ToBytes());

        Assert.Equal(transaction.TxId, decoded.TxId);
        Assert.Equal(64, transaction.TxId.Length);
        Assert.Equal(key.AccountId, decoded.SignerAccountId);
        Assert.Equal(7, decoded.Nonce);
        Assert.True(decoded.HasValidSignature());
        Assert.Throws<FormatException>(() => SignedTransaction.Decode([.. transaction.ToBytes(), 0]));
        Assert.Throws<FormatException>(() => SignedTransaction.Decode(transaction.ToBytes()[..^1]));
    }

    [Fact]
    public async Task A_valid_transaction_commits_durably_and_reports_its_block()
    {
        using var directory = new TempDirectory();
        await using var ledger = await TestChain.OpenAsync(directory.Path);
        var key = DevnetKey.Generate();

        var outcome = await ledger.SubmitAsync(TestChain.Put(key, 1, "greeting", "hello"));

        Assert.Equal(ValidationCode.Valid, outcome.Code);
        Assert.Equal(1, outcome.BlockHeight);
        Assert.Equal(0, outcome.TxIndex);
        Assert.Equal("hello", TestChain.Get(ledger, "greeting"));
        var committed = ledger.GetTransaction(outcome.TxId);
        Assert.NotNull(committed);
        Assert.Equal(1, committed.BlockHeight);
        var block = ledger.GetBlock(1)!;
        Assert.Equal(ledger.GetBlock(0)!.HashHex, block.PreviousHashHex);
        Assert.Equal(block.HashHex, ledger.ChainInfo.LastBlockHash);
    }

    [Fact]
    public async Task A_forged_signature_is_refused_and_changes_nothing()
    {
        using var directory = new TempDirectory();
        await using var ledger = await TestChain.OpenAsync(directory.Path);
        var victim = DevnetKey.Generate();
        var forger = DevnetKey.Generate();
        var signedByForger = TestChain.Put(forger, 1, "owner", "forger");
        // The forger's signature presented under the victim's public key.
        var forged = new SignedTransaction(
            signedByForger.ChainId, signedByForger.Contract, signedByForger.Function, signedByForger.ArgsJson,
            victim.PublicKey, signedByForger.Nonce, signedByForger.TimestampHint, signedByForger.Signature);
        // A genuine transaction whose arguments were altered after signing.
        var genuineBytes = TestChain.Put(victim, 1, "owner", "victim").ToBytes();
        var tampered = SignedTransaction.Decode(genuineBytes);
        var altered = new SignedTransaction(tampered.ChainId, tampered.Contract, tampered.Function, tampered.ArgsJson.Replace("victim", "forger", StringComparison.Ordinal),
            tampered.SignerPublicKey, tampered.Nonce, tampered.TimestampHint, tampered.Signature);

        var first = await ledger.SubmitAsync(forged);
        var second = await ledger.SubmitAsync(altered.ToBytes());

        Assert.Equal(ValidationCode.BadSignature, first.Code);
        Assert.Equal("BAD_SIGNATURE", first.CodeName);
        Assert.Equal(-1, first.BlockHeight);
        Assert.Equal(ValidationCode.BadSignature, second.Code);
        Assert.Null(TestChain.Get(ledger, "owner"));
        Assert.Equal(0, ledger.ChainInfo.Height);
    }

    [Fact]
    public async Task A_replayed_or_lower_nonce_is_refused_and_gaps_are_allowed()
    {
        using var directory = new TempDirectory();
        await using var ledger = await TestChain.OpenAsync(directory.Path);
        var key = DevnetKey.Generate();
        var original = TestChain.Put(key, 5, "k", "first");

        Assert.True((await ledger.SubmitAsync(original)).IsValid);
        var replay = await ledger.SubmitAsync(original.ToBytes());
        var lower = await ledger.SubmitAsync(TestChain.Put(key, 4, "k", "older"));
        var gap = await ledger.SubmitAsync(TestChain.Put(key, 9, "k", "later"));

        Assert.Equal(ValidationCode.NonceReplayed, replay.Code);
        Assert.Equal(-1, replay.BlockHeight);
        Assert.Equal(ValidationCode.NonceReplayed, lower.Code);
        Assert.True(gap.IsValid);
        Assert.Equal("later", TestChain.Get(ledger, "k"));
    }

    [Fact]
    public async Task The_same_transaction_twice_in_one_block_commits_once()
    {
        using var directory = new TempDirectory();
        await using var ledger = await TestChain.OpenAsync(directory.Path, TimeSpan.FromSeconds(30), maxTransactionsPerBlock: 2);
        var transaction = TestChain.Tx(DevnetKey.Generate(), 1, "append", new JsonObject { ["key"] = "log", ["value"] = "x" });

        var outcomes = await Task.WhenAll(ledger.SubmitAsync(transaction), ledger.SubmitAsync(transaction.ToBytes()));

        Assert.Single(outcomes, o => o.IsValid);
        Assert.Single(outcomes, o => o.Code == ValidationCode.NonceReplayed);
        Assert.Equal("x", TestChain.Get(ledger, "log"));
    }

    [Fact]
    public async Task Wrong_chain_unknown_contract_malformed_and_garbage_are_refused_before_ordering()
    {
        using var directory = new TempDirectory();
        await using var ledger = await TestChain.OpenAsync(directory.Path);
        var key = DevnetKey.Generate();

        var wrongChain = await ledger.SubmitAsync(TestChain.Tx(key, 1, "put", new JsonObject { ["key"] = "k", ["value"] = "v" }, chainId: "other-chain"));
        var unknownContract = await ledger.SubmitAsync(TestChain.Tx(key, 2, "put", [], contract: "nope"));
        var notAnObject = await ledger.SubmitAsync(SignedTransaction.Create(key, TestChain.ChainId, KvContract.ContractName, "put", "[1,2]", 3, 0));
        var garbage = await ledger.SubmitAsync(new byte[] { 1, 2, 3 });

        Assert.Equal(ValidationCode.WrongChain, wrongChain.Code);
        Assert.Equal(ValidationCode.UnknownContract, unknownContract.Code);
        Assert.Equal(ValidationCode.Malformed, notAnObject.Code);
        Assert.Equal(ValidationCode.Malformed, garbage.Code);
        Assert.Equal(0, ledger.ChainInfo.Height);
    }

    [Fact]
    public async Task Unknown_function_and_contract_errors_are_recorded_in_the_block_without_effect()
    {
        using var directory = new TempDirectory();
        await using var ledger = await TestChain.OpenAsync(directory.Path);
        var key = DevnetKey.Generate();

        var unknownFunction = await ledger.SubmitAsync(TestChain.Tx(key, 1, "no_such_function", []));
        var contractError = await ledger.SubmitAsync(TestChain.Tx(key, 2, "emit_then_fail", new JsonObject { ["key"] = "k" }));
        var contractFault = await ledger.SubmitAsync(TestChain.Tx(key, 3, "crash", []));

        Assert.Equal(ValidationCode.UnknownFunction, unknownFunction.Code);
        Assert.Equal(1, unknownFunction.BlockHeight);
        Assert.Equal(ValidationCode.ContractError, contractError.Code);
        Assert.Equal("DENIED", contractError.ErrorCode);
        Assert.Empty(contractError.Events);
        Assert.Equal(ValidationCode.ContractError, contractFault.Code);
        Assert.Equal("CONTRACT_FAULT", contractFault.ErrorCode);
        Assert.Null(TestChain.Get(ledger, "k"));
        Assert.Equal(ValidationCode.ContractError, ledger.GetTransaction(contractError.TxId)!.Record.Code);
        // An invalid transaction still used its nonce.
        Assert.Equal(ValidationCode.NonceReplayed, (await ledger.SubmitAsync(TestChain.Put(key, 2, "k", "v"))).Code);
    }

    [Fact]
    public async Task Contracts_see_the_block_time()
    {
        using var directory = new TempDirectory();
        await using var ledger = await TestChain.OpenAsync(directory.Path);

        var outcome = await ledger.SubmitAsync(TestChain.Tx(DevnetKey.Generate(), 1, "time", []));

        Assert.Equal(ledger.GetBlock(outcome.BlockHeight)!.Timestamp, long.Parse(outcome.ResultJson!, System.Globalization.CultureInfo.InvariantCulture));
    }
}

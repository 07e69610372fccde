using System.Text.Json.Nodes;
using HybridEhr.Clients.Substrate;
using HybridEhr.Clients.Substrate.Contracts;
using HybridEhr.Clients.Substrate.Scale;
using HybridEhr.Devnet.Contracts.AccessControl;
using HybridEhr.Devnet.Ledger;

namespace HybridEhr.Testing.Substrate.Tests;

/// <summary>The access_control contract through our real client: writes, queries, contract errors, reverts and events.</summary>
public sealed class ContractFlowTests
{
    [Fact]
    public async Task Permissions_are_granted_queried_and_revoked_end_to_end()
    {
        await using var parties = await Parties.StartAsync();
        await parties.EnrolAsync();
        var grantee = $$"""{"patient":"{{Parties.Account(Parties.Alice)}}","grantee":"{{Parties.Account(Parties.Bob)}}"}""";
        Assert.False((bool)(await parties.QueryAsync(Parties.Bob, "has_permission", grantee))!);

        var granted = await parties.WriteAsync(Parties.Alice, "grant_permission", $$"""{"grantee":"{{Parties.Account(Parties.Bob)}}","expires_at":null}""");
        var grantJson = parties.Json.Result("grant_permission", granted.Value)!;
        Assert.Equal(Parties.Account(Parties.Alice), (string)grantJson["patient"]!);
        Assert.Equal(Parties.Account(Parties.Bob), (string)grantJson["grantee"]!);
        Assert.True(granted.Outcome.Succeeded);
        Assert.True((bool)(await parties.QueryAsync(Parties.Bob, "has_permission", grantee))!);

        var revoked = await parties.WriteAsync(Parties.Alice, "revoke_permission", $$"""{"grantee":"{{Parties.Account(Parties.Bob)}}"}""");
        Assert.Equal(ScaleValue.Of(true), revoked.Value);
        Assert.False((bool)(await parties.QueryAsync(Parties.Bob, "has_permission", grantee))!);
        Assert.Equal(6, parties.Node.BestBlock); // one block per write
    }

    [Fact]
    public async Task A_contract_error_comes_from_the_dry_run_and_nothing_is_submitted()
    {
        await using var parties = await Parties.StartAsync();
        await parties.EnrolAsync();
        var before = parties.Node.SubmittedExtrinsics.Count;
        var best = parties.Node.BestBlock;

        var error = await Assert.ThrowsAsync<ContractErrorException>(() =>
            parties.WriteAsync(Parties.Bob, "grant_permission", $$"""{"grantee":"{{Parties.Account(Parties.Alice)}}","expires_at":null}"""));

        Assert.Equal(AccessControlErrors.NotPatient, error.Code);
        Assert.Equal(before, parties.Node.SubmittedExtrinsics.Count);
        Assert.Equal(best, parties.Node.BestBlock);
        var dryRun = await parties.Contract.DryRunAsync(Parties.Bob.PublicKey, "grant_permission", [("grantee", Parties.AccountValue(Parties.Alice)), ("expires_at", ScaleValue.None)]);
        Assert.True(dryRun.Reverted); // ink! 5 sets REVERT when a message returns Err
    }

    [Fact]
    public async Task A_failing_message_submitted_anyway_dispatches_but_reverts_its_changes()
    {
        await using var parties = await Parties.StartAsync();
        await parties.EnrolAsync();
        // Bypass the client's dry-run guard: Bob (a doctor) grants, which the contract refuses with NotPatient.
        var input = parties.Contract.Abi.EncodeMessage("grant_permission", ("grantee", Parties.AccountValue(Parties.Alice)), ("expires_at", ScaleValue.None));
        var call = parties.Contract.BuildCall(input, new Weight(5_000_000_000, 200_000), 10_000_000_000_000);

        var outcome = await parties.Chain.SignAndSubmitAsync(call, Parties.Bob, 0);

        Assert.True(outcome.Succeeded);
        Assert.DoesNotContain(outcome.Events, e => e is { Pallet: "Contracts", Name: "ContractEmitted" or "Called" });
        var live = await parties.QueryAsync(Parties.Alice, "has_permission", $$"""{"patient":"{{Parties.Account(Parties.Bob)}}","grantee":"{{Parties.Account(Parties.Alice)}}"}""");
        Assert.False((bool)live!);
    }

    [Fact]
    public async Task Contract_events_decode_to_the_devnet_contracts_event_payloads()
    {
        await using var parties = await Parties.StartAsync();
        var devnet = new DevnetRun();
        var calls = new (Clients.Substrate.Keys.Ed25519KeyPair Signer, string Message, string Args)[]
        {
            (Parties.Registrar, "init", $$"""{"registrar":"{{Parties.Account(Parties.Registrar)}}"}"""),
            (Parties.Registrar, "attest_doctor", $$"""{"document_id_hash":"{{Parties.DocumentHash("doc-bob")}}","organization":"HospitalA"}"""),
            (Parties.Alice, "add_user", $$"""{"document_id_hash":"{{Parties.DocumentHash("doc-alice")}}","role":"patient"}"""),
            (Parties.Bob, "add_user", $$"""{"document_id_hash":"{{Parties.DocumentHash("doc-bob")}}","role":"doctor"}"""),
            (Parties.Bob, "request_access", $$"""{"patient":"{{Parties.Account(Parties.Alice)}}"}"""),
            (Parties.Alice, "approve_access", $$"""{"doctor":"{{Parties.Account(Parties.Bob)}}","expires_at":null}"""),
            (Parties.Alice, "revoke_permission", $$"""{"grantee":"{{Parties.Account(Parties.Bob)}}"}"""),
        };

        var seen = 0;
        foreach (var (signer, message, args) in calls)
        {
            var written = await parties.WriteAsync(signer, message, args);
            var expected = devnet.Invoke(signer, message, args);
            Assert.Equal(expected.Select(e => e.Name), written.Events.Select(e => e.Name));
            foreach (var (chainEvent, devnetEvent) in written.Events.Zip(expected))
            {
                var inkEvent = parties.Contract.Abi.Metadata.Events.Single(e => e.Label == chainEvent.Name);
                foreach (var field in inkEvent.Fields)
                {
                    var fromChain = parties.Json.ToJson(field.Type, chainEvent.Fields[field.Label]);
                    Assert.True(JsonNode.DeepEquals(devnetEvent.Payload[field.Label], fromChain), $"{chainEvent.Name}.{field.Label}: {fromChain?.ToJsonString()} vs {devnetEvent.Payload[field.Label]?.ToJsonString()}");
                }

                seen++;
            }
        }

        Assert.True(seen >= calls.Length, $"only {seen} events for {calls.Length} writes");
    }

    [Fact]
    public async Task An_unknown_selector_returns_langerror_could_not_read_input_reverted()
    {
        await using var parties = await Parties.StartAsync();
        var arguments = ContractsDryRun.EncodeArguments(Parties.Alice.PublicKey, parties.Node.ContractAddress, 0, null, null, [0xde, 0xad, 0xbe, 0xef]);

        var result = ContractsDryRun.Decode(await parties.Chain.StateCallAsync(ContractsDryRun.RuntimeApi, arguments), parties.Chain.Metadata);

        Assert.True(result.Succeeded);
        Assert.True(result.Reverted);
        Assert.Equal(new byte[] { 0x01, 0x01 }, result.ReturnData); // Err(LangError::CouldNotReadInput)
        var error = Assert.Throws<InkLangException>(() => parties.Contract.Abi.DecodeReturnUnwrapped("has_permission", result.ReturnData));
        Assert.Equal("CouldNotReadInput", error.LangError);
    }

    [Fact]
    public async Task Dry_runs_price_writes_with_gas_and_a_storage_deposit_and_queries_without_deposit()
    {
        await using var parties = await Parties.StartAsync();
        var init = await parties.Contract.DryRunAsync(Parties.Registrar.PublicKey, "init", [("registrar", Parties.AccountValue(Parties.Registrar))]);
        var query = await parties.Contract.DryRunAsync(Parties.Alice.PublicKey, "has_permission", [("patient", Parties.AccountValue(Parties.Alice)), ("grantee", Parties.AccountValue(Parties.Bob))]);

        Assert.False(init.Reverted);
        Assert.True(init.StorageDepositCharge > 0);
        Assert.True(init.GasRequired.RefTime > 0 && init.GasRequired.ProofSize > 0);
        Assert.Equal(0, query.StorageDepositCharge);
        Assert.Equal(0, parties.Node.BestBlock); // dry runs make no blocks
        Assert.Null(await parties.QueryAsync(Parties.Alice, "get_registrar", "{}")); // and keep no state
    }

    [Fact]
    public async Task A_call_with_too_little_gas_or_to_another_address_fails_in_the_block_with_the_pallets_error()
    {
        await using var parties = await Parties.StartAsync();
        var input = parties.Contract.Abi.EncodeMessage("init", ("registrar", Parties.AccountValue(Parties.Registrar)));

        var outOfGas = await Assert.ThrowsAsync<Clients.Substrate.Chain.ExtrinsicFailedException>(() =>
            parties.Chain.SignAndSubmitAsync(parties.Contract.BuildCall(input, new Weight(1_000, 1_000), 10_000_000_000_000), Parties.Registrar, 0));
        var elsewhere = new InkContractClient(parties.Chain, parties.Contract.Abi, new byte[32]);
        var notFound = await Assert.ThrowsAsync<Clients.Substrate.Chain.ExtrinsicFailedException>(() =>
            parties.Chain.SignAndSubmitAsync(elsewhere.BuildCall(input, new Weight(5_000_000_000, 200_000), 10_000_000_000_000), Parties.Registrar, 0));

        Assert.Contains("Contracts.OutOfGas", outOfGas.Message, StringComparison.Ordinal);
        Assert.Contains("Contracts.ContractNotFound", notFound.Message, StringComparison.Ordinal);
        Assert.Equal(2UL, await parties.Chain.GetNonceAsync(Parties.Registrar.PublicKey)); // failed calls still use their nonce
        Assert.Null(await parties.QueryAsync(Parties.Alice, "get_registrar", "{}"));
    }

    [Fact]
    public async Task Concurrent_writers_each_get_their_own_block()
    {
        await using var parties = await Parties.StartAsync();
        await parties.WriteAsync(Parties.Registrar, "init", $$"""{"registrar":"{{Parties.Account(Parties.Registrar)}}"}""");
        var patients = Enumerable.Range(0, 6).Select(i => Clients.Substrate.Keys.Ed25519KeyPair.FromUri($"//Patient{i}")).ToList();

        var results = await Task.WhenAll(patients.Select(p =>
            parties.WriteAsync(p, "add_user", $$"""{"document_id_hash":"{{Parties.DocumentHash(Hex.Encode(p.PublicKey))}}","role":"patient"}""")));

        Assert.Equal(7, parties.Node.BestBlock);
        Assert.Equal(6, results.Select(r => r.Outcome.BlockHash).Distinct().Count());
        foreach (var patient in patients)
        {
            var exists = await parties.QueryAsync(patient, "user_exists", $$"""{"account":"{{Parties.Account(patient)}}"}""");
            Assert.True((bool)exists!);
        }
    }

    /// <summary>The devnet's C# contract on an in-memory state: the reference for event payloads.</summary>
    private sealed class DevnetRun
    {
        private readonly AccessControlContract contract = new();
        private readonly SortedDictionary<string, byte[]> state = new(StringComparer.Ordinal);

        public List<(string Name, JsonObject Payload)> Invoke(Clients.Substrate.Keys.Ed25519KeyPair signer, string message, string args)
        {
            var context = new Context(state, CallerIdentity.Account(Parties.Account(signer)));
            contract.Invoke(context, message, JsonNode.Parse(args)!.AsObject());
            return context.Events;
        }

        private sealed class Context(SortedDictionary<string, byte[]> state, CallerIdentity caller) : IContractContext
        {
            public List<(string Name, JsonObject Payload)> Events { get; } = [];

            public CallerIdentity Caller => caller;

            public long Timestamp => 1_767_225_600_000;

            public string TransactionId => "0x00";

            public byte[]? GetState(string key) => state.GetValueOrDefault(key);

            public void PutState(string key, byte[] value) => state[key] = value;

            public void DeleteState(string key) => state.Remove(key);

            public IEnumerable<KeyValuePair<string, byte[]>> GetStateByPrefix(string prefix) =>
                [.. state.Where(pair => pair.Key.StartsWith(prefix, StringComparison.Ordinal))];

            public IEnumerable<KeyModification> GetHistory(string key) => [];

            public void EmitEvent(string name, JsonObject payload) => Events.Add((name, payload));
        }
    }
}

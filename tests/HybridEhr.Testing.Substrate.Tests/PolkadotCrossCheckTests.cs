using HybridEhr.Clients.Substrate;
using HybridEhr.Clients.Substrate.Chain;
using HybridEhr.Clients.Substrate.Contracts;

namespace HybridEhr.Testing.Substrate.Tests;

/// <summary>An independent reading of the simulator's bytes: polkadot-js decodes what it accepted and what it answered.</summary>
public sealed class PolkadotCrossCheckTests
{
    [Fact]
    public async Task Polkadot_js_decodes_an_accepted_extrinsic_its_block_events_and_a_dry_run()
    {
        await using var parties = await Parties.StartAsync();
        var input = parties.Contract.Abi.EncodeMessage("init", ("registrar", Parties.AccountValue(Parties.Registrar)));
        var dryRunBytes = await parties.Chain.StateCallAsync(
            ContractsDryRun.RuntimeApi, ContractsDryRun.EncodeArguments(Parties.Registrar.PublicKey, parties.Node.ContractAddress, 0, null, null, input));
        var dryRun = ContractsDryRun.Decode(dryRunBytes, parties.Chain.Metadata);
        var parameters = await parties.Chain.PrepareSigningAsync(Parties.Registrar.PublicKey, 0);
        var extrinsic = parties.Chain.Extrinsics.BuildSigned(
            parties.Contract.BuildCall(input, dryRun.GasRequired.WithMargin(0.2), dryRun.StorageDepositCharge * 2), Parties.Registrar, parameters);

        var outcome = await parties.Chain.SubmitAndWatchAsync(extrinsic, WatchUntil.InBlock);

        var decoded = PolkadotJsCheck.DecodeExtrinsic(new
        {
            name = "substrate-contracts-node-v14",
            hex = Hex.Encode(extrinsic),
            specVersion = parties.Chain.Version.SpecVersion,
            transactionVersion = parties.Chain.Version.TransactionVersion,
            genesisHash = Hex.Encode(parties.Chain.GenesisHash),
            blockHash = Hex.Encode(parameters.EraBlockHash),
        });
        Assert.True(decoded.GetProperty("signatureValid").GetBoolean());
        Assert.Equal("contracts.call", $"{decoded.GetProperty("section").GetString()}.{decoded.GetProperty("method").GetString()}");
        Assert.Equal(Hex.Encode(input), decoded.GetProperty("args").GetProperty("data").GetString());

        var eventsHex = Hex.Encode(await parties.Chain.GetStorageAsync(EventDecoder.StorageKey, outcome.BlockHash) ?? []);
        var reference = PolkadotJsCheck.Decode(eventsHex, Hex.Encode(dryRunBytes));
        var events = reference.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(
            ["system.ExtrinsicSuccess", "contracts.ContractEmitted", "contracts.Called", "system.ExtrinsicSuccess"],
            events.Select(e => e.GetProperty("name").GetString()));
        Assert.Equal([0, 1, 1, 1], events.Select(e => e.GetProperty("phase").GetInt32()));
        Assert.Equal((eventsHex.Length - 2) / 2, reference.GetProperty("eventsLength").GetInt32());
        var emitted = events[1];
        var initialized = parties.Contract.Abi.Metadata.Events.Single(e => e.Label == "Initialized");
        Assert.Equal(
            [Hex.Encode(initialized.SignatureTopic!), Hex.Encode(Parties.Registrar.PublicKey)],
            emitted.GetProperty("topics").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(Hex.Encode(Parties.Registrar.PublicKey), emitted.GetProperty("data").GetString());

        var reading = reference.GetProperty("dryRun");
        Assert.Equal(dryRunBytes.Length, reading.GetProperty("length").GetInt32());
        Assert.True(reading.GetProperty("isOk").GetBoolean());
        Assert.True(reading.GetProperty("isCharge").GetBoolean());
        Assert.Equal(dryRun.StorageDepositCharge.ToString(System.Globalization.CultureInfo.InvariantCulture), reading.GetProperty("charge").GetString());
        Assert.Equal(dryRun.GasRequired.RefTime.ToString(System.Globalization.CultureInfo.InvariantCulture), reading.GetProperty("refTime").GetString());
        Assert.Equal(0, reading.GetProperty("flags").GetInt32());
        Assert.Equal(Hex.Encode(dryRun.ReturnData), reading.GetProperty("data").GetString());
        Assert.Equal(Parties.Registrar.PublicKey, parties.Contract.Abi.DecodeReturnUnwrapped("init", dryRun.ReturnData)["registrar"].AsBytes());
    }
}

using HybridEhr.Clients.Substrate.Chain;
using HybridEhr.Clients.Substrate.Contracts;
using HybridEhr.Clients.Substrate.Extrinsics;
using HybridEhr.Clients.Substrate.Keys;
using HybridEhr.Clients.Substrate.Scale;

namespace HybridEhr.Clients.Substrate.Tests;

[Collection(PolkadotJsCollection.Name)]
public sealed class ChainDecodingTests(PolkadotJs polkadot)
{
    private static readonly byte[] Contract = Enumerable.Repeat((byte)0xcd, 32).ToArray();
    private static readonly byte[] Alice = Ed25519KeyPair.FromUri("//Alice").PublicKey;

    [Fact]
    public void System_events_encoded_by_the_runtime_types_decode_with_phase_topics_and_module_errors()
    {
        var metadata = StaticMetadata.Decode(polkadot, StaticMetadata.ContractsNodeV14);
        var dispatchInfo = new { weight = new { refTime = 1, proofSize = 2 }, @class = "Normal", paysFee = "Yes" };
        var topic = Enumerable.Repeat((byte)0x11, 32).ToArray();
        var theirs = polkadot.Run("eventRecords", new
        {
            name = StaticMetadata.ContractsNodeV14,
            records = new object[]
            {
                new { extrinsicIndex = 1, pallet = "Contracts", @event = "ContractEmitted", args = new object[] { Hex.Encode(Contract), "0x0102" }, topics = new[] { Hex.Encode(topic) } },
                new { extrinsicIndex = 1, pallet = "System", @event = "ExtrinsicFailed", args = new object[] { new { Module = new { index = metadata.Pallet("Contracts").Index, error = "0x05000000" } }, dispatchInfo }, topics = Array.Empty<string>() },
                new { extrinsicIndex = (int?)null, pallet = "System", @event = "ExtrinsicSuccess", args = new object[] { dispatchInfo }, topics = Array.Empty<string>() },
            },
        });
        Assert.Equal(["contracts.ContractEmitted", "system.ExtrinsicFailed", "system.ExtrinsicSuccess"], theirs.GetProperty("decoded").EnumerateArray().Select(e => e.GetString()!));

        var events = new EventDecoder(metadata).Decode(Hex.Decode(theirs.GetProperty("hex").GetString()!));

        Assert.Equal(3, events.Count);
        Assert.Equal(("Contracts", "ContractEmitted", (uint?)1), (events[0].Pallet, events[0].Name, events[0].ExtrinsicIndex));
        Assert.Equal(Contract, events[0].Fields["contract"].AsBytes());
        Assert.Equal(new byte[] { 1, 2 }, events[0].Fields["data"].AsBytes());
        Assert.Equal(topic, Assert.Single(events[0].Topics));
        // Error 5 of pallet Contracts in this runtime, as polkadot-js's registry.findMetaError names it.
        Assert.Equal("Contracts.MaxCallDepthReached", DispatchErrors.Describe(metadata, events[1].Fields["dispatch_error"]));
        Assert.Null(events[2].ExtrinsicIndex);
    }

    [Fact]
    public void Dry_run_arguments_and_results_match_the_runtime_api_layout()
    {
        var metadata = StaticMetadata.Decode(polkadot, StaticMetadata.ContractsNodeV14);
        const string ResultType = """{"gasConsumed":"WeightV2","gasRequired":"WeightV2","storageDeposit":"StorageDeposit","debugMessage":"Text","result":"ContractExecResultResult"}""";
        var theirs = polkadot.Run("encode", new
        {
            name = StaticMetadata.ContractsNodeV14,
            items = new object[]
            {
                new { type = "(AccountId, AccountId, Balance, Option<WeightV2>, Option<Balance>, Bytes)", value = new object?[] { Hex.Encode(Alice), Hex.Encode(Contract), 0, null, null, "0x01020304" } },
                new { type = "(AccountId, AccountId, Balance, Option<WeightV2>, Option<Balance>, Bytes)", value = new object?[] { Hex.Encode(Alice), Hex.Encode(Contract), 5, new { refTime = 3_000_000_000L, proofSize = 70_000 }, "1000000000000", "0x" } },
                new { type = ResultType, value = new { gasConsumed = new { refTime = 1_000_000, proofSize = 1_000 }, gasRequired = new { refTime = 2_117_705_426L, proofSize = 65_536 }, storageDeposit = new { Charge = "2000000000" }, debugMessage = "", result = new { Ok = new { flags = 0, data = "0x000001" } } } },
                new { type = ResultType, value = new { gasConsumed = new { refTime = 9, proofSize = 8 }, gasRequired = new { refTime = 7, proofSize = 6 }, storageDeposit = new { Refund = 5 }, debugMessage = "trap", result = new { Err = new { Module = new { index = metadata.Pallet("Contracts").Index, error = "0x05000000" } } } } },
                new { type = ResultType, value = new { gasConsumed = new { refTime = 1, proofSize = 1 }, gasRequired = new { refTime = 1, proofSize = 1 }, storageDeposit = new { Refund = 0 }, debugMessage = "", result = new { Ok = new { flags = 1, data = "0x00010b" } } } },
            },
        }).GetProperty("hex").EnumerateArray().Select(h => h.GetString()!).ToList();

        Assert.Equal(theirs[0], Hex.Encode(ContractsDryRun.EncodeArguments(Alice, Contract, 0, null, null, [1, 2, 3, 4])));
        Assert.Equal(theirs[1], Hex.Encode(ContractsDryRun.EncodeArguments(Alice, Contract, 5, new Weight(3_000_000_000, 70_000), 1_000_000_000_000, [])));

        var ok = ContractsDryRun.Decode(Hex.Decode(theirs[2]), metadata);
        Assert.Equal(new Weight(2_117_705_426, 65_536), ok.GasRequired);
        Assert.Equal(2_000_000_000, ok.StorageDepositCharge);
        Assert.False(ok.Reverted);
        Assert.Equal(new byte[] { 0, 0, 1 }, ok.ReturnData);
        Assert.Equal(new Weight(2_541_246_512, 78_644), ok.GasRequired.WithMargin(0.2));

        var trapped = ContractsDryRun.Decode(Hex.Decode(theirs[3]), metadata);
        Assert.False(trapped.Succeeded);
        Assert.Equal("Contracts.MaxCallDepthReached", DispatchErrors.Describe(metadata, trapped.DispatchError!));
        Assert.Equal("trap", trapped.DebugMessage);
        Assert.Equal(0, trapped.StorageDepositCharge);

        var reverted = ContractsDryRun.Decode(Hex.Decode(theirs[4]), metadata);
        Assert.True(reverted.Reverted);
        Assert.Equal(new byte[] { 0, 1, 0x0b }, reverted.ReturnData);
    }

    [Fact]
    public void Mortal_eras_encode_like_polkadot_js()
    {
        (ulong Period, ulong Block)[] cases = [(64, 42), (65536, 1_000_000), (4, 0), (100, 123_457), (1, 7), (4096, 99_999), (8192, 12_345_678)];
        var theirs = polkadot.Run("encode", new { items = cases.Select(c => new { type = "ExtrinsicEra", value = new { current = c.Block, period = c.Period } }) })
            .GetProperty("hex").EnumerateArray().Select(h => h.GetString()!).ToList();

        Assert.Equal(theirs, cases.Select(c => Hex.Encode(Era.Mortal(c.Period, c.Block).Encode())).ToList());
        foreach (var (period, block) in cases)
        {
            var era = Era.Mortal(period, block);
            Assert.True(era.BirthBlock(block) <= block && block - era.BirthBlock(block) < era.Period);
        }

        Assert.Equal(new byte[] { 0 }, Era.Immortal.Encode());
    }
}

using System.Buffers.Binary;
using HybridEhr.Clients.Substrate;
using HybridEhr.Clients.Substrate.Chain;
using HybridEhr.Clients.Substrate.Hashing;
using HybridEhr.Clients.Substrate.Scale;

namespace HybridEhr.Testing.Substrate.Tests;

/// <summary>Blocks, headers, storage (Timestamp.Now, System.Events) and head subscriptions as a node serves them.</summary>
public sealed class ChainStateTests
{
    private static readonly byte[] TimestampNow = SubstrateHashers.StorageKey("Timestamp", "Now");

    [Fact]
    public async Task Block_timestamps_follow_the_clock_and_always_increase()
    {
        var clock = new ManualClock(DateTimeOffset.FromUnixTimeMilliseconds(1_767_225_600_000));
        await using var parties = await Parties.StartAsync(new ContractsNodeSimulatorOptions { TimeProvider = clock });
        await parties.EnrolAsync(); // four blocks while the clock stands still
        clock.Now += TimeSpan.FromSeconds(6);
        var granted = await parties.WriteAsync(Parties.Alice, "grant_permission", $$"""{"grantee":"{{Parties.Account(Parties.Bob)}}","expires_at":null}""");
        // The client's write result is the dry run's value: a dry run runs on the best block, so it sees that
        // block's time, not the time of the block the write lands in (as on a real node).
        Assert.Equal(1_767_225_600_003, (long)parties.Json.Result("grant_permission", granted.Value)!["granted_at"]!);

        var times = new List<long>();
        for (var n = 1UL; n <= 5; n++)
        {
            var hash = (await parties.Chain.Rpc.RequestAsync("chain_getBlockHash", [n])).GetString();
            var bytes = await parties.Chain.GetStorageAsync(TimestampNow, hash);
            times.Add(BinaryPrimitives.ReadInt64LittleEndian(bytes));
        }

        Assert.Equal([1_767_225_600_000, 1_767_225_600_001, 1_767_225_600_002, 1_767_225_600_003, 1_767_225_606_000], times);
        Assert.Null(await parties.Chain.GetStorageAsync(TimestampNow, Hex.Encode(parties.Chain.GenesisHash)));
        var best = await parties.Chain.GetStorageAsync(TimestampNow);
        Assert.Equal(1_767_225_606_000, BinaryPrimitives.ReadInt64LittleEndian(best));
        Assert.Null(await parties.Chain.GetStorageAsync(SubstrateHashers.StorageKey("System", "Account")));
    }

    [Fact]
    public async Task Every_block_holds_the_timestamp_inherent_and_its_extrinsic_and_its_events_decode()
    {
        await using var parties = await Parties.StartAsync();
        await parties.EnrolAsync();
        var (bestNumber, bestHash) = await parties.Chain.GetBestBlockAsync();
        Assert.Equal(4UL, bestNumber);
        Assert.Equal(bestHash, (await parties.Chain.Rpc.RequestAsync("chain_getFinalizedHead", [])).GetString());

        var parent = (await parties.Chain.Rpc.RequestAsync("chain_getBlockHash", [0])).GetString();
        for (var n = 1UL; n <= bestNumber; n++)
        {
            var hash = (await parties.Chain.Rpc.RequestAsync("chain_getBlockHash", [n])).GetString()!;
            var block = await parties.Chain.Rpc.RequestAsync("chain_getBlock", [hash]);
            var header = block.GetProperty("block").GetProperty("header");
            Assert.Equal($"0x{n:x}", header.GetProperty("number").GetString());
            Assert.Equal(parent, header.GetProperty("parentHash").GetString());
            var extrinsics = block.GetProperty("block").GetProperty("extrinsics").EnumerateArray().Select(e => Hex.Decode(e.GetString()!)).ToList();
            Assert.Equal(2, extrinsics.Count);
            // Extrinsic 0: the unsigned (0x04) Timestamp.set inherent carrying the block's time.
            var inherent = new ScaleReader(extrinsics[0]);
            inherent.CompactLength();
            Assert.Equal(0x04, inherent.U8());
            var timestampSet = parties.Chain.Metadata.FindCall("Timestamp", "set");
            Assert.Equal((timestampSet.PalletIndex, timestampSet.CallIndex), (inherent.U8(), inherent.U8()));
            var now = await parties.Chain.GetStorageAsync(TimestampNow, hash);
            Assert.Equal(BinaryPrimitives.ReadUInt64LittleEndian(now), inherent.CompactU64());
            Assert.Equal(parties.Node.SubmittedExtrinsics[(int)n - 1], Hex.Encode(extrinsics[1]));

            var events = parties.Chain.Events.Decode(await parties.Chain.GetStorageAsync(EventDecoder.StorageKey, hash) ?? []);
            Assert.Equal(("System", "ExtrinsicSuccess", 0u), (events[0].Pallet, events[0].Name, events[0].ExtrinsicIndex!.Value));
            Assert.Equal("Mandatory", ((VariantValue)events[0].Fields["dispatch_info"]["class"]).Name);
            Assert.Equal(("System", "ExtrinsicSuccess", 1u), (events[^1].Pallet, events[^1].Name, events[^1].ExtrinsicIndex!.Value));
            Assert.Contains(events, e => e is { Pallet: "Contracts", Name: "ContractEmitted", ExtrinsicIndex: 1 } && e.Topics.Count > 0);
            Assert.Contains(events, e => e is { Pallet: "Contracts", Name: "Called", ExtrinsicIndex: 1 });
            parent = hash;
        }

        Assert.Empty(parties.Chain.Events.Decode(await parties.Chain.GetStorageAsync(EventDecoder.StorageKey, (await parties.Chain.Rpc.RequestAsync("chain_getBlockHash", [0])).GetString()) ?? []));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, (await parties.Chain.Rpc.RequestAsync("chain_getBlockHash", [99])).ValueKind);
    }

    [Fact]
    public async Task Head_subscriptions_announce_the_current_head_then_every_new_block()
    {
        await using var parties = await Parties.StartAsync();
        await using var heads = await parties.Chain.Rpc.SubscribeAsync("chain_subscribeNewHeads", [], "chain_unsubscribeNewHeads");
        await using var finalized = await parties.Chain.Rpc.SubscribeAsync("chain_subscribeFinalizedHeads", [], "chain_unsubscribeFinalizedHeads");
        await parties.WriteAsync(Parties.Registrar, "init", $$"""{"registrar":"{{Parties.Account(Parties.Registrar)}}"}""");

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        foreach (var subscription in new[] { heads, finalized })
        {
            var numbers = new List<string>();
            await foreach (var header in subscription.ReadAllAsync(timeout.Token))
            {
                numbers.Add(header.GetProperty("number").GetString()!);
                if (numbers.Count == 2)
                {
                    break;
                }
            }

            Assert.Equal(["0x0", "0x1"], numbers);
        }

        var unsubscribed = await parties.Chain.Rpc.RequestAsync("chain_unsubscribeNewHeads", [heads.Id]);
        Assert.True(unsubscribed.GetBoolean());
    }

    [Fact]
    public async Task The_runtime_version_and_metadata_are_those_of_substrate_contracts_node()
    {
        await using var parties = await Parties.StartAsync(new ContractsNodeSimulatorOptions { SpecVersion = 321, TransactionVersion = 7 });

        Assert.Equal(new RuntimeVersion("substrate-contracts-node", 321, 7), parties.Chain.Version);
        Assert.Equal(14, parties.Chain.Metadata.Version);
        Assert.Equal(8, parties.Chain.Metadata.Pallet("Contracts").Index);
        var submitted = await parties.Chain.Rpc.RequestAsync("author_submitExtrinsic", [Hex.Encode(await RemarkAsync(parties))]);
        Assert.Equal(Hex.Encode(SubstrateHashers.Blake2b256(Hex.Decode(parties.Node.SubmittedExtrinsics[0]))), submitted.GetString());
    }

    private static async Task<byte[]> RemarkAsync(Parties parties)
    {
        var call = parties.Chain.Extrinsics.EncodeCall("System", "remark", ("remark", ScaleValue.Of(new byte[] { 1 })));
        return parties.Chain.Extrinsics.BuildSigned(call, Parties.Alice, await parties.Chain.PrepareSigningAsync(Parties.Alice.PublicKey, 0));
    }

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}

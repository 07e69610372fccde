using System.Numerics;
using System.Text.Json;
using HybridEhr.Clients.Substrate.Chain;
using HybridEhr.Clients.Substrate.Contracts;
using HybridEhr.Clients.Substrate.Hashing;
using HybridEhr.Clients.Substrate.Keys;
using HybridEhr.Clients.Substrate.Scale;

namespace HybridEhr.Clients.Substrate.Tests;

/// <summary>
/// The whole client path (connect, dry run, sign, submit, watch, events) against a scripted node that answers with
/// bytes polkadot-js encoded; the extrinsic the client submits is then decoded and verified by polkadot-js.
/// </summary>
[Collection(PolkadotJsCollection.Name)]
public sealed class ContractClientTests(PolkadotJs polkadot)
{
    private const uint SpecVersion = 100;
    private const uint TransactionVersion = 1;
    private const ulong BestBlock = 1_000;
    private static readonly string MetadataPath = Path.Combine(PolkadotJs.RepositoryRoot, "chaincode", "ink", "access_control.metadata.json");
    private static readonly byte[] Contract = Enumerable.Repeat((byte)0xcd, 32).ToArray();
    private static readonly Ed25519KeyPair Alice = Ed25519KeyPair.FromUri("//Alice");
    private static readonly byte[] DrSmith = Ed25519KeyPair.FromUri("//Bob").PublicKey;
    private static readonly string Genesis = Hex.Encode(Enumerable.Repeat((byte)0x99, 32).ToArray());
    private static readonly string BlockHash = Hex.Encode(Enumerable.Repeat((byte)0xb1, 32).ToArray());

    [Fact]
    public async Task A_write_is_priced_by_dry_run_signed_submitted_and_its_contract_events_decoded()
    {
        var abi = new InkAbi(InkMetadata.Load(MetadataPath));
        var grant = new { patient = Hex.Encode(Alice.PublicKey), grantee = Hex.Encode(DrSmith), granted_at = 1_767_225_600_000L, expires_at = (long?)null };
        var returnData = polkadot.Run("contractAbi", new { metadataPath = MetadataPath, calls = Array.Empty<object>(), returns = new[] { new { label = "grant_permission", value = new { Ok = new { Ok = grant } } } } })
            .GetProperty("returnData")[0].GetString()!;
        var dryRun = Encode("ContractExecResult", DryRunValue(returnData, flags: 0));
        var eventData = new ScaleWriter().Raw(Alice.PublicKey).Raw(DrSmith).U8(0).ToArray();
        var topic = abi.Metadata.Events.Single(e => e.Label == "PermissionGranted").SignatureTopic!;
        var events = polkadot.Run("eventRecords", new
        {
            name = StaticMetadata.ContractsNodeV14,
            records = new object[]
            {
                new { extrinsicIndex = 1, pallet = "Contracts", @event = "ContractEmitted", args = new object[] { Hex.Encode(Contract), Hex.Encode(eventData) }, topics = new[] { Hex.Encode(topic), Hex.Encode(Alice.PublicKey), Hex.Encode(DrSmith) } },
                new { extrinsicIndex = 1, pallet = "System", @event = "ExtrinsicSuccess", args = new object[] { new { weight = new { refTime = 1, proofSize = 2 }, @class = "Normal", paysFee = "Yes" } }, topics = Array.Empty<string>() },
            },
        }).GetProperty("hex").GetString()!;

        await using var node = ScriptedNode(dryRun, events, out var submitted);
        await using var chain = await SubstrateClient.ConnectAsync(node.Endpoint);
        var contract = new InkContractClient(chain, abi, Contract);

        var result = await contract.SubmitAsync(
            Alice,
            "grant_permission",
            [("grantee", ScaleValue.Of(DrSmith)), ("expires_at", ScaleValue.None)],
            new WriteOptions { Margin = 0.25, Tip = 7 });

        Assert.Equal(DrSmith, result.Value["grantee"].AsBytes());
        Assert.Equal(new Weight(2_647_131_783, 81_920), result.GasLimit); // 2_117_705_426 and 65_536, +25 %
        Assert.Equal(2_500_000_000, result.StorageDepositLimit);
        Assert.Equal((BlockHash, 1u, BestBlock + 1), (result.Outcome.BlockHash, result.Outcome.ExtrinsicIndex, result.Outcome.BlockNumber));
        Assert.Equal(Hex.Encode(SubstrateHashers.Blake2b256(Hex.Decode(submitted.Single()))), result.Outcome.ExtrinsicHash);
        var emitted = Assert.Single(result.Events);
        Assert.Equal("PermissionGranted", emitted.Name);
        Assert.Equal(ScaleValue.None, emitted.Fields["expires_at"]);

        var decoded = polkadot.Run("decodeExtrinsic", new
        {
            name = StaticMetadata.ContractsNodeV14,
            hex = submitted.Single(),
            specVersion = SpecVersion,
            transactionVersion = TransactionVersion,
            genesisHash = Genesis,
            blockHash = BirthHash(BestBlock), // a mortal era is born at the best block the client saw
        });
        Assert.Equal("contracts.call", $"{decoded.GetProperty("section").GetString()}.{decoded.GetProperty("method").GetString()}");
        Assert.True(decoded.GetProperty("signatureValid").GetBoolean());
        Assert.Equal(3, decoded.GetProperty("nonce").GetInt32());
        Assert.Equal("7", decoded.GetProperty("tip").GetString());
        var args = decoded.GetProperty("args");
        Assert.Equal(2_647_131_783L, args.GetProperty("gas_limit").GetProperty("refTime").GetInt64());
        Assert.Equal(Hex.Encode(abi.EncodeMessage("grant_permission", ("grantee", ScaleValue.Of(DrSmith)), ("expires_at", ScaleValue.None))), args.GetProperty("data").GetString());
    }

    [Fact]
    public async Task A_write_the_dry_run_refuses_is_never_submitted_and_reports_the_contract_error()
    {
        var returnData = polkadot.Run("contractAbi", new { metadataPath = MetadataPath, calls = Array.Empty<object>(), returns = new[] { new { label = "revoke_permission", value = new { Ok = new { Err = "NotPatient" } } } } })
            .GetProperty("returnData")[0].GetString()!;
        await using var node = ScriptedNode(Encode("ContractExecResult", DryRunValue(returnData, flags: 1)), "0x00", out var submitted);
        await using var chain = await SubstrateClient.ConnectAsync(node.Endpoint);
        var contract = new InkContractClient(chain, new InkAbi(InkMetadata.Load(MetadataPath)), Contract);

        var error = await Assert.ThrowsAsync<ContractErrorException>(() =>
            contract.SubmitAsync(Alice, "revoke_permission", [("grantee", ScaleValue.Of(DrSmith))]));

        Assert.Equal("NOT_PATIENT", error.Code);
        Assert.Empty(submitted);
    }

    [Fact]
    public async Task A_query_runs_as_a_dry_run_with_the_callers_origin()
    {
        var returnData = polkadot.Run("contractAbi", new { metadataPath = MetadataPath, calls = Array.Empty<object>(), returns = new[] { new { label = "has_permission", value = new { Ok = true } } } })
            .GetProperty("returnData")[0].GetString()!;
        await using var node = ScriptedNode(Encode("ContractExecResult", DryRunValue(returnData, flags: 0)), "0x00", out _);
        await using var chain = await SubstrateClient.ConnectAsync(node.Endpoint);
        var contract = new InkContractClient(chain, new InkAbi(InkMetadata.Load(MetadataPath)), Contract);

        var answer = await contract.QueryAsync(DrSmith, "has_permission", [("patient", ScaleValue.Of(Alice.PublicKey)), ("grantee", ScaleValue.Of(DrSmith))]);

        Assert.Equal(ScaleValue.Of(true), answer);
        var stateCall = node.Received.Single(r => r.Method == "state_call").Params;
        Assert.Equal(ContractsDryRun.RuntimeApi, stateCall[0].GetString());
        Assert.StartsWith(Hex.Encode(DrSmith) + Convert.ToHexStringLower(Contract), stateCall[1].GetString(), StringComparison.Ordinal);
    }

    private FakeNode ScriptedNode(string dryRunResult, string systemEvents, out List<string> submitted)
    {
        var metadataHex = Hex.Encode(StaticMetadata.Bytes(polkadot, StaticMetadata.ContractsNodeV14));
        var extrinsics = new List<string>();
        submitted = extrinsics;
        var node = new FakeNode();
        node.Methods["state_getMetadata"] = _ => metadataHex;
        node.Methods["state_getRuntimeVersion"] = _ => new { specName = "substrate-contracts-node", specVersion = SpecVersion, transactionVersion = TransactionVersion };
        node.Methods["chain_getBlockHash"] = p => p[0].GetUInt64() == 0 ? Genesis : BirthHash(p[0].GetUInt64());
        node.Methods["chain_getHeader"] = _ => new { number = $"0x{BestBlock:x}" };
        node.Methods["system_accountNextIndex"] = p => p[0].GetString() == Ss58.Encode(Alice.PublicKey) ? 3 : throw new FakeRpcError(-32602, "unexpected account");
        node.Methods["state_call"] = p => p[0].GetString() == ContractsDryRun.RuntimeApi ? dryRunResult : throw new FakeRpcError(-32000, "unexpected runtime api");
        node.Methods["chain_getBlock"] = _ => new { block = new { header = new { number = $"0x{BestBlock + 1:x}" }, extrinsics = new[] { "0x280403000b", extrinsics.Single() } } };
        node.Methods["state_getStorage"] = p => p[0].GetString() == Hex.Encode(SubstrateHashers.StorageKey("System", "Events")) ? systemEvents : null;
        node.Methods["author_unwatchExtrinsic"] = _ => true;
        node.Subscriptions["author_submitAndWatchExtrinsic"] = p =>
        {
            lock (extrinsics)
            {
                extrinsics.Add(p[0].GetString()!);
            }

            return ["ready", new { inBlock = BlockHash }];
        };
        return node;
    }

    private static string BirthHash(ulong number) => Hex.Encode(SubstrateHashers.Blake2b256(BitConverter.GetBytes(number)));

    private static object DryRunValue(string returnData, int flags) => new
    {
        gasConsumed = new { refTime = 1_000_000_000L, proofSize = 30_000 },
        gasRequired = new { refTime = 2_117_705_426L, proofSize = 65_536 },
        storageDeposit = new { Charge = "2000000000" },
        debugMessage = "",
        result = new { Ok = new { flags, data = returnData } },
    };

    private string Encode(string kind, object value)
    {
        var type = kind == "ContractExecResult"
            ? """{"gasConsumed":"WeightV2","gasRequired":"WeightV2","storageDeposit":"StorageDeposit","debugMessage":"Text","result":"ContractExecResultResult"}"""
            : kind;
        return polkadot.Run("encode", new { name = StaticMetadata.ContractsNodeV14, items = new[] { new { type, value } } }).GetProperty("hex")[0].GetString()!;
    }
}

using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using HybridEhr.Clients.Substrate;
using HybridEhr.Clients.Substrate.Chain;
using HybridEhr.Clients.Substrate.Hashing;
using HybridEhr.Clients.Substrate.Keys;
using HybridEhr.Clients.Substrate.Scale;

namespace HybridEhr.Testing.Substrate;

/// <summary>
/// The RPC methods of a substrate-contracts-node that our client (and polkadot-js's start-up) use, with the params
/// and result shapes of a real node: hex strings for bytes, hex block numbers in headers, null for unknown blocks.
/// </summary>
internal sealed class NodeRpcMethods
{
    private const string NewHeads = "newHeads";
    private const string FinalizedHeads = "finalizedHeads";
    private const string ExtrinsicWatch = "extrinsic";

    private static readonly string EventsKey = Hex.Encode(EventDecoder.StorageKey);
    private static readonly string TimestampNowKey = Hex.Encode(SubstrateHashers.StorageKey("Timestamp", "Now"));
    private static readonly string BlockNumberKey = Hex.Encode(SubstrateHashers.StorageKey("System", "Number"));

    private readonly BlockProducer producer;
    private readonly string metadataHex;
    private readonly ContractsNodeSimulatorOptions options;
    private readonly Func<IEnumerable<RpcConnection>> connections;
    private readonly ConcurrentQueue<string> submitted = new();
    private readonly Dictionary<string, Func<RpcConnection, JsonElement, RpcReply>> methods;

    public NodeRpcMethods(BlockProducer producer, byte[] metadata, ContractsNodeSimulatorOptions options, Func<IEnumerable<RpcConnection>> connections)
    {
        this.producer = producer;
        this.options = options;
        this.connections = connections;
        metadataHex = Hex.Encode(metadata);
        methods = new(StringComparer.Ordinal)
        {
            ["rpc_methods"] = (_, _) => new(new JsonObject { ["methods"] = new JsonArray([.. MethodNames().Select(m => (JsonNode)m)]) }),
            ["system_name"] = (_, _) => new("substrate-contracts-node"),
            ["system_version"] = (_, _) => new("0.0.0-hybridehr-simulator"),
            ["system_chain"] = (_, _) => new("Development"),
            ["system_chainType"] = (_, _) => new("Development"),
            ["system_properties"] = (_, _) => new(new JsonObject { ["ss58Format"] = 42, ["tokenDecimals"] = 12, ["tokenSymbol"] = "UNIT" }),
            ["system_health"] = (_, _) => new(new JsonObject { ["peers"] = 0, ["isSyncing"] = false, ["shouldHavePeers"] = false }),
            ["system_accountNextIndex"] = (_, p) => new(producer.NonceOf(AccountParam(p))),
            ["state_getMetadata"] = (_, p) => { At(p, 0); return new(metadataHex); },
            ["state_getRuntimeVersion"] = (_, p) => { At(p, 0); return new(RuntimeVersion()); },
            ["state_getStorage"] = (_, p) => new(Storage(StringParam(p, 0, "key"), At(p, 1))),
            ["state_call"] = (_, p) => new(StateCall(StringParam(p, 0, "method"), StringParam(p, 1, "data"), At(p, 2))),
            ["chain_getBlockHash"] = (_, p) => new(BlockHash(p)),
            ["chain_getHeader"] = (_, p) => new(Lookup(p, 0)?.HeaderJson()),
            ["chain_getBlock"] = (_, p) => new(Lookup(p, 0)?.BlockJson()),
            ["chain_getFinalizedHead"] = (_, _) => new(producer.Best.HashHex),
            ["chain_getFinalisedHead"] = (_, _) => new(producer.Best.HashHex),
            ["author_submitExtrinsic"] = (_, p) => new(Hex.Encode(SubstrateHashers.Blake2b256(HexParam(Submit(p).Extrinsic)))),
            ["author_submitAndWatchExtrinsic"] = SubmitAndWatch,
            ["author_unwatchExtrinsic"] = (c, p) => new(Unsubscribe(c, p, ExtrinsicWatch)),
            ["chain_subscribeNewHeads"] = (c, _) => SubscribeHeads(c, NewHeads, "chain_newHead"),
            ["chain_subscribeFinalizedHeads"] = (c, _) => SubscribeHeads(c, FinalizedHeads, "chain_finalizedHead"),
            ["chain_unsubscribeNewHeads"] = (c, p) => new(Unsubscribe(c, p, NewHeads)),
            ["chain_unsubscribeFinalizedHeads"] = (c, p) => new(Unsubscribe(c, p, FinalizedHeads)),
        };
        producer.Sealed += Announce;
    }

    public IReadOnlyList<string> Submitted => [.. submitted];

    public RpcReply Handle(RpcConnection connection, string method, JsonElement parameters) =>
        methods.TryGetValue(method, out var handler) ? handler(connection, parameters) : throw RpcError.MethodNotFound();

    private IEnumerable<string> MethodNames() => methods.Keys.Order(StringComparer.Ordinal);

    private JsonObject RuntimeVersion() => new()
    {
        ["specName"] = "substrate-contracts-node",
        ["implName"] = "substrate-contracts-node",
        ["authoringVersion"] = 1,
        ["specVersion"] = options.SpecVersion,
        ["implVersion"] = 1,
        ["apis"] = new JsonArray(),
        ["transactionVersion"] = options.TransactionVersion,
        ["stateVersion"] = 1,
    };

    private string? Storage(string key, SimulatedBlock at)
    {
        if (string.Equals(key, EventsKey, StringComparison.OrdinalIgnoreCase))
        {
            return Hex.Encode(at.Events);
        }

        if (string.Equals(key, TimestampNowKey, StringComparison.OrdinalIgnoreCase))
        {
            // Genesis never ran Timestamp.set, so, as on a real chain, the entry does not exist there yet.
            return at.Number == 0 ? null : Hex.Encode(new ScaleWriter().U64((ulong)at.Timestamp).ToArray());
        }

        return string.Equals(key, BlockNumberKey, StringComparison.OrdinalIgnoreCase)
            ? Hex.Encode(new ScaleWriter().U32((uint)at.Number).ToArray())
            : null;
    }

    private string StateCall(string method, string data, SimulatedBlock at)
    {
        if (method != "ContractsApi_call")
        {
            throw new RpcError(4003, $"Client error: Execution failed: Other: Exported method {method} is not found");
        }

        return Hex.Encode(producer.DryRun(HexParam(data), at));
    }

    // chain_getBlockHash: a number (or hex string), null or nothing for the best block; unknown numbers give null.
    private JsonNode? BlockHash(JsonElement parameters)
    {
        var argument = parameters.ValueKind == JsonValueKind.Array && parameters.GetArrayLength() > 0 ? parameters[0] : default;
        return argument.ValueKind switch
        {
            JsonValueKind.Undefined or JsonValueKind.Null => producer.Best.HashHex,
            JsonValueKind.Array => new JsonArray([.. argument.EnumerateArray().Select(n => (JsonNode?)HashOfNumber(n))]),
            _ => HashOfNumber(argument),
        };
    }

    private string? HashOfNumber(JsonElement number)
    {
        long? value = number.ValueKind switch
        {
            JsonValueKind.Number when number.TryGetInt64(out var n) => n,
            JsonValueKind.String when number.GetString() is { } text && text.StartsWith("0x", StringComparison.Ordinal) =>
                long.TryParse(text[2..], System.Globalization.NumberStyles.HexNumber, null, out var h) ? h : null,
            _ => throw RpcError.InvalidParams("a block number is a number or a 0x-prefixed hex string"),
        };
        return value is { } n2 ? producer.ByNumber(n2)?.HashHex : null;
    }

    private SimulatedBlock? Lookup(JsonElement parameters, int index)
    {
        var hash = OptionalString(parameters, index);
        return hash is null ? producer.Best : producer.ByHash(hash);
    }

    private SimulatedBlock At(JsonElement parameters, int index)
    {
        var hash = OptionalString(parameters, index);
        return hash is null
            ? producer.Best
            : producer.ByHash(hash) ?? throw new RpcError(4003, $"Client error: UnknownBlock: Header was not found in the database: {hash}");
    }

    private (SimulatedBlock Block, string Extrinsic) Submit(JsonElement parameters)
    {
        var hex = StringParam(parameters, 0, "extrinsic");
        submitted.Enqueue(hex);
        return (producer.Submit(HexParam(hex)), hex);
    }

    // Instant seal: the pool's "ready", then the block, then its finality, all at once.
    private RpcReply SubmitAndWatch(RpcConnection connection, JsonElement parameters)
    {
        var (block, _) = Submit(parameters);
        var id = NewSubscriptionId();
        connection.Subscriptions[id] = ExtrinsicWatch;
        return new(id, () =>
        {
            connection.Notify("author_extrinsicUpdate", id, "ready");
            connection.Notify("author_extrinsicUpdate", id, new JsonObject { ["inBlock"] = block.HashHex });
            connection.Notify("author_extrinsicUpdate", id, new JsonObject { ["finalized"] = block.HashHex });
        });
    }

    private RpcReply SubscribeHeads(RpcConnection connection, string kind, string notification)
    {
        var id = NewSubscriptionId();
        return new(id, () =>
        {
            // A node sends the current head right away, then every new one.
            connection.Subscriptions[id] = kind;
            connection.Notify(notification, id, producer.Best.HeaderJson());
        });
    }

    private static bool Unsubscribe(RpcConnection connection, JsonElement parameters, string kind)
    {
        var id = StringParam(parameters, 0, "subscription");
        return connection.Subscriptions.TryGetValue(id, out var found) && found == kind && connection.Subscriptions.TryRemove(id, out _);
    }

    private void Announce(SimulatedBlock block)
    {
        foreach (var connection in connections())
        {
            foreach (var (id, kind) in connection.Subscriptions)
            {
                switch (kind)
                {
                    case NewHeads:
                        connection.Notify("chain_newHead", id, block.HeaderJson());
                        break;
                    case FinalizedHeads:
                        connection.Notify("chain_finalizedHead", id, block.HeaderJson());
                        break;
                }
            }
        }
    }

    private static string NewSubscriptionId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    private static byte[] AccountParam(JsonElement parameters)
    {
        var text = StringParam(parameters, 0, "account");
        try
        {
            return text.StartsWith("0x", StringComparison.Ordinal) ? HexParam(text) : Ss58.Decode(text);
        }
        catch (FormatException error)
        {
            throw RpcError.InvalidParams($"'{text}' is not an SS58 address: {error.Message}");
        }
    }

    private static string StringParam(JsonElement parameters, int index, string name) =>
        OptionalString(parameters, index) ?? throw RpcError.InvalidParams($"parameter {index} ({name}) is required");

    private static string? OptionalString(JsonElement parameters, int index)
    {
        if (parameters.ValueKind != JsonValueKind.Array || parameters.GetArrayLength() <= index)
        {
            return null;
        }

        var value = parameters[index];
        return value.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.String => value.GetString(),
            _ => throw RpcError.InvalidParams($"parameter {index} must be a string"),
        };
    }

    private static byte[] HexParam(string hex)
    {
        try
        {
            return hex.StartsWith("0x", StringComparison.Ordinal) ? Convert.FromHexString(hex[2..]) : throw new FormatException("no 0x prefix");
        }
        catch (FormatException error)
        {
            throw RpcError.InvalidParams($"not 0x-prefixed hex: {error.Message}");
        }
    }
}

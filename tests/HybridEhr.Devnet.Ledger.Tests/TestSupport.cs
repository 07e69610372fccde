using System.Text;
using System.Text.Json.Nodes;

namespace HybridEhr.Devnet.Ledger.Tests;

/// <summary>A temporary directory removed at the end of a test.</summary>
internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "devnet-ledger-tests-" + Guid.NewGuid().ToString("N"));

    public string LogPath => System.IO.Path.Combine(Path, "blocks.log");

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}

/// <summary>A key-value contract with one function per behaviour the ledger must handle.</summary>
internal sealed class KvContract : IContract
{
    public const string ContractName = "kv";

    public string Name => ContractName;

    public bool IsQuery(string function) => function is "get" or "peek" or "history";

    public JsonNode? Invoke(IContractContext context, string function, JsonObject args)
    {
        var key = args["key"]?.GetValue<string>();
        switch (function)
        {
            case "put":
                context.PutState(key!, Encoding.UTF8.GetBytes(args["value"]!.GetValue<string>()));
                return null;
            case "delete":
                context.DeleteState(key!);
                return null;
            case "get":
                var value = context.GetState(key!);
                return value is null ? null : Encoding.UTF8.GetString(value);
            case "append":
                // Read-modify-write: the case MVCC exists for.
                var current = context.GetState(key!) is { } bytes ? Encoding.UTF8.GetString(bytes) : "";
                var next = current + args["value"]!.GetValue<string>();
                context.PutState(key!, Encoding.UTF8.GetBytes(next));
                return next;
            case "count_prefix":
                var count = context.GetStateByPrefix(args["prefix"]!.GetValue<string>()).Count();
                context.PutState("count", Encoding.UTF8.GetBytes(count.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                return count;
            case "peek":
                // A query that tries to write and emit: the ledger must drop both.
                context.PutState(key!, "written-by-query"u8.ToArray());
                context.EmitEvent("QueryEvent", new JsonObject());
                return "peeked";
            case "emit":
                context.PutState(key!, "emitted"u8.ToArray());
                context.EmitEvent(args["name"]!.GetValue<string>(), new JsonObject { ["key"] = key });
                return null;
            case "emit_then_fail":
                context.PutState(key!, "should-not-stick"u8.ToArray());
                context.EmitEvent("ShouldNotArrive", new JsonObject { ["key"] = key });
                throw new ContractException("DENIED", "This function always fails after emitting.");
            case "whoami":
                return new JsonObject
                {
                    ["account"] = context.Caller.AccountId,
                    ["organization"] = context.Caller.Organization,
                    ["attributes"] = new JsonObject([.. context.Caller.Attributes.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value))]),
                };
            case "time":
                return context.Timestamp;
            case "history":
                return context.GetHistory(key!).Count();
            case "crash":
                throw new InvalidOperationException("contract bug");
            default:
                throw new ContractException("UNKNOWN_FUNCTION", $"kv has no function '{function}'.");
        }
    }
}

internal static class TestChain
{
    public const string ChainId = "test-chain";

    public static Task<DevnetLedger> OpenAsync(
        string dataDirectory, TimeSpan? blockTime = null, int maxTransactionsPerBlock = 2000, GenesisConfig? genesis = null) =>
        DevnetLedger.OpenAsync(new LedgerOptions
        {
            DataDirectory = dataDirectory,
            Genesis = genesis ?? new GenesisConfig(ChainId, []),
            BlockTime = blockTime ?? TimeSpan.Zero,
            MaxTransactionsPerBlock = maxTransactionsPerBlock,
        }, [new KvContract()]);

    public static SignedTransaction Tx(DevnetKey key, long nonce, string function, JsonObject args, string contract = KvContract.ContractName, string chainId = ChainId) =>
        SignedTransaction.Create(key, chainId, contract, function, args, nonce, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    public static SignedTransaction Put(DevnetKey key, long nonce, string stateKey, string value) =>
        Tx(key, nonce, "put", new JsonObject { ["key"] = stateKey, ["value"] = value });

    public static string? Get(DevnetLedger ledger, string stateKey) =>
        ledger.GetState(KvContract.ContractName, stateKey) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;
}

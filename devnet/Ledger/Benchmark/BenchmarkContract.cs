using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;

namespace HybridEhr.Devnet.Ledger;

/// <summary>
/// A minimal contract for benchmarks and smoke tests: "increment" {key} reads, adds one and writes back (a
/// read-modify-write, so it exercises MVCC), "put" {key, value}, and the query "get" {key}.
/// </summary>
public sealed class BenchmarkContract : IContract
{
    public const string ContractName = "bench";

    public string Name => ContractName;

    public bool IsQuery(string function) => function == "get";

    public JsonNode? Invoke(IContractContext context, string function, JsonObject args)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(args);
        var key = args["key"]?.GetValue<string>() ?? throw new ContractException("INVALID_ARGUMENT", "'key' is required.");
        switch (function)
        {
            case "increment":
                var current = context.GetState(key);
                var next = (current is null ? 0 : BinaryPrimitives.ReadInt64BigEndian(current)) + 1;
                var bytes = new byte[8];
                BinaryPrimitives.WriteInt64BigEndian(bytes, next);
                context.PutState(key, bytes);
                return next;
            case "put":
                context.PutState(key, Encoding.UTF8.GetBytes(args["value"]?.GetValue<string>() ?? ""));
                return null;
            case "get":
                var value = context.GetState(key);
                return value is null ? null : value.Length == 8 ? BinaryPrimitives.ReadInt64BigEndian(value) : Encoding.UTF8.GetString(value);
            default:
                throw new ContractException("UNKNOWN_FUNCTION", $"{ContractName} has no function '{function}'.");
        }
    }
}

using System.Text.Json.Nodes;
using HybridEhr.Devnet.Contracts.Tests.Scenarios;
using HybridEhr.Devnet.Ledger;

namespace HybridEhr.Devnet.Contracts.Tests.InMemory;

/// <summary>
/// The smallest ledger a contract can run on: committed state, per-key history and events, one block per
/// transaction. A failing call (ContractException) leaves no trace; queries must neither write nor emit.
/// </summary>
public sealed class InMemoryLedger(IContract contract)
{
    private readonly SortedDictionary<string, byte[]> committed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<KeyModification>> history = new(StringComparer.Ordinal);
    private long blockHeight;

    public IReadOnlyDictionary<string, byte[]> State => committed;

    public StepOutcome Execute(StepCall call)
    {
        var isQuery = contract.IsQuery(call.Function);
        var transactionId = isQuery ? "query" : $"tx-{blockHeight + 1:D8}";
        var context = new InMemoryContractContext(this, call.Caller, call.Timestamp, transactionId);
        JsonNode? result;
        try
        {
            result = contract.Invoke(context, call.Function, (JsonObject)call.Args.DeepClone());
        }
        catch (ContractException broken)
        {
            return StepOutcome.Failure(broken.Code, broken.Message);
        }

        if (isQuery)
        {
            if (context.Writes.Count > 0 || context.Events.Count > 0)
            {
                throw new InvalidOperationException($"query {call.Function} wrote state or emitted events");
            }

            return StepOutcome.Success(result, []);
        }

        Commit(context, call.Timestamp, transactionId);
        return StepOutcome.Success(result, context.Events);
    }

    internal byte[]? GetCommitted(string key) => committed.GetValueOrDefault(key);

    internal IEnumerable<KeyValuePair<string, byte[]>> CommittedByPrefix(string prefix) =>
        committed.Where(pair => pair.Key.StartsWith(prefix, StringComparison.Ordinal));

    internal IEnumerable<KeyModification> HistoryOf(string key) =>
        history.TryGetValue(key, out var modifications) ? modifications.ToList() : [];

    private void Commit(InMemoryContractContext context, long timestamp, string transactionId)
    {
        blockHeight++;
        foreach (var (key, value) in context.Writes)
        {
            if (value is null)
            {
                committed.Remove(key);
            }
            else
            {
                committed[key] = value;
            }

            if (!history.TryGetValue(key, out var modifications))
            {
                modifications = [];
                history[key] = modifications;
            }

            modifications.Add(new KeyModification(transactionId, blockHeight, timestamp, value, value is null));
        }
    }
}

/// <summary>One call's view: committed state overlaid with the call's own writes (null value = deleted).</summary>
internal sealed class InMemoryContractContext(InMemoryLedger ledger, CallerIdentity caller, long timestamp, string transactionId)
    : IContractContext
{
    public Dictionary<string, byte[]?> Writes { get; } = new(StringComparer.Ordinal);

    public List<EmittedEvent> Events { get; } = [];

    public CallerIdentity Caller => caller;

    public long Timestamp => timestamp;

    public string TransactionId => transactionId;

    public byte[]? GetState(string key) => Writes.TryGetValue(key, out var written) ? Copy(written) : Copy(ledger.GetCommitted(key));

    public void PutState(string key, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Writes[key] = Copy(value);
    }

    public void DeleteState(string key) => Writes[key] = null;

    public IEnumerable<KeyValuePair<string, byte[]>> GetStateByPrefix(string prefix)
    {
        var merged = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (key, value) in ledger.CommittedByPrefix(prefix))
        {
            merged[key] = value;
        }

        foreach (var (key, value) in Writes.Where(pair => pair.Key.StartsWith(prefix, StringComparison.Ordinal)))
        {
            if (value is null)
            {
                merged.Remove(key);
            }
            else
            {
                merged[key] = value;
            }
        }

        return merged.Select(pair => KeyValuePair.Create(pair.Key, Copy(pair.Value)!)).ToList();
    }

    public IEnumerable<KeyModification> GetHistory(string key) => ledger.HistoryOf(key);

    public void EmitEvent(string name, JsonObject payload) => Events.Add(new EmittedEvent(name, (JsonObject)payload.DeepClone()));

    // Copies keep a contract from mutating committed bytes through a returned array.
    private static byte[]? Copy(byte[]? bytes) => bytes?.ToArray();
}

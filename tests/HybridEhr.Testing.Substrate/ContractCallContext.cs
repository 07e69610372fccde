using System.Text.Json.Nodes;
using HybridEhr.Devnet.Ledger;

namespace HybridEhr.Testing.Substrate;

/// <summary>
/// What the C# contract sees during one call: the block's state plus this call's own writes, kept aside in an
/// overlay so the caller decides whether they are committed (success) or dropped (revert, trap, dry run).
/// </summary>
internal sealed class ContractCallContext(ContractStorage state, CallerIdentity caller, long timestamp, string transactionId) : IContractContext
{
    private readonly SortedDictionary<string, byte[]?> writes = new(StringComparer.Ordinal);
    private readonly List<(string Name, JsonObject Payload)> events = [];

    public CallerIdentity Caller => caller;

    public long Timestamp => timestamp;

    public string TransactionId => transactionId;

    public IReadOnlyDictionary<string, byte[]?> Writes => writes;

    public IReadOnlyList<(string Name, JsonObject Payload)> Events => events;

    public byte[]? GetState(string key) =>
        writes.TryGetValue(key, out var written) ? written : state.Values.GetValueOrDefault(key);

    public void PutState(string key, byte[] value) => writes[key] = [.. value];

    public void DeleteState(string key) => writes[key] = null;

    public IEnumerable<KeyValuePair<string, byte[]>> GetStateByPrefix(string prefix)
    {
        var merged = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (key, value) in state.Values.Where(pair => pair.Key.StartsWith(prefix, StringComparison.Ordinal)))
        {
            merged[key] = value;
        }

        foreach (var (key, value) in writes.Where(pair => pair.Key.StartsWith(prefix, StringComparison.Ordinal)))
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

        return merged;
    }

    public IEnumerable<KeyModification> GetHistory(string key) =>
        state.History.TryGetValue(key, out var history) ? history : [];

    public void EmitEvent(string name, JsonObject payload) => events.Add((name, (JsonObject)payload.DeepClone()));
}

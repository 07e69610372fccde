namespace HybridEhr.Devnet.Ledger.State;

/// <summary>The version of a key: the block and transaction index of the write that produced its current value.</summary>
internal readonly record struct StateVersion(long BlockHeight, int TxIndex);

internal sealed record VersionedValue(byte[] Value, StateVersion Version);

/// <summary>
/// Committed world state: per contract namespace, key → (value, version), keys kept in ordinal order for prefix scans,
/// plus the modification history of every key. Not thread-safe by itself: the ledger's single committer is the only
/// writer and takes the ledger's write lock while applying a block; readers hold the read lock.
/// </summary>
internal sealed class WorldState
{
    private readonly Dictionary<string, StateNamespace> _namespaces = new(StringComparer.Ordinal);

    public VersionedValue? Get(string contract, string key) =>
        _namespaces.TryGetValue(contract, out var space) && space.Values.TryGetValue(key, out var value) ? value : null;

    /// <summary>Entries whose key starts with <paramref name="prefix"/>, in ordinal key order, materialised.</summary>
    public List<KeyValuePair<string, VersionedValue>> GetByPrefix(string contract, string prefix)
    {
        var result = new List<KeyValuePair<string, VersionedValue>>();
        if (!_namespaces.TryGetValue(contract, out var space) || space.Keys.Count == 0
            || string.CompareOrdinal(prefix, space.Keys.Max) > 0)
        {
            return result;
        }
        var keys = prefix.Length == 0 ? space.Keys : space.Keys.GetViewBetween(prefix, space.Keys.Max!);
        foreach (var key in keys)
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal))
            {
                break;
            }
            result.Add(new(key, space.Values[key]));
        }
        return result;
    }

    public IReadOnlyList<KeyModification> GetHistory(string contract, string key) =>
        _namespaces.TryGetValue(contract, out var space) && space.History.TryGetValue(key, out var history)
            ? history
            : [];

    public void Apply(StateWrite write, StateVersion version, string txId, long timestamp)
    {
        if (!_namespaces.TryGetValue(write.Contract, out var space))
        {
            space = new StateNamespace();
            _namespaces.Add(write.Contract, space);
        }
        if (write.Value is null)
        {
            space.Values.Remove(write.Key);
            space.Keys.Remove(write.Key);
        }
        else
        {
            space.Values[write.Key] = new VersionedValue(write.Value, version);
            space.Keys.Add(write.Key);
        }
        if (!space.History.TryGetValue(write.Key, out var history))
        {
            history = [];
            space.History.Add(write.Key, history);
        }
        history.Add(new KeyModification(txId, version.BlockHeight, timestamp, write.Value, write.IsDelete));
    }

    private sealed class StateNamespace
    {
        public Dictionary<string, VersionedValue> Values { get; } = new(StringComparer.Ordinal);
        public SortedSet<string> Keys { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, List<KeyModification>> History { get; } = new(StringComparer.Ordinal);
    }
}

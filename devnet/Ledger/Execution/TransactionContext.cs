using System.Text.Json.Nodes;
using HybridEhr.Devnet.Ledger.State;

namespace HybridEhr.Devnet.Ledger.Execution;

/// <summary>
/// What a simulation touched: the version of every key it read (null = absent), every prefix it scanned, and its
/// buffered writes. Validation compares the read versions against the state the transaction would commit on.
/// </summary>
internal sealed class ReadWriteSet
{
    public Dictionary<(string Contract, string Key), StateVersion?> Reads { get; } = [];
    public List<(string Contract, string Prefix)> RangeReads { get; } = [];
    public SortedDictionary<(string Contract, string Key), byte[]?> Writes { get; } = new(OrdinalPairComparer.Instance);

    public void RecordRead(string contract, string key, VersionedValue? seen) => Reads.TryAdd((contract, key), seen?.Version);

    public List<StateWrite> WritesInOrder() => [.. Writes.Select(w => new StateWrite(w.Key.Contract, w.Key.Key, w.Value))];

    private sealed class OrdinalPairComparer : IComparer<(string Contract, string Key)>
    {
        public static readonly OrdinalPairComparer Instance = new();

        public int Compare((string Contract, string Key) x, (string Contract, string Key) y)
        {
            var byContract = string.CompareOrdinal(x.Contract, y.Contract);
            return byContract != 0 ? byContract : string.CompareOrdinal(x.Key, y.Key);
        }
    }
}

/// <summary>
/// The <see cref="IContractContext"/> of one simulation: reads come from committed state (the state at the start of the
/// block) overlaid with the call's own writes; writes and events are buffered and only take effect if the transaction
/// validates. For queries the buffers are simply dropped.
/// </summary>
internal sealed class TransactionContext(
    WorldState state, string contract, CallerIdentity caller, long timestamp, string transactionId, ReadWriteSet readWriteSet)
    : IContractContext
{
    public const int MaxKeyBytes = 4096;
    private readonly List<ContractEvent> _events = [];

    public CallerIdentity Caller { get; } = caller;

    public long Timestamp { get; } = timestamp;

    public string TransactionId { get; } = transactionId;

    public IReadOnlyList<ContractEvent> Events => _events;

    public byte[]? GetState(string key)
    {
        CheckKey(key);
        if (readWriteSet.Writes.TryGetValue((contract, key), out var own))
        {
            return own is null ? null : (byte[])own.Clone();
        }
        var committed = state.Get(contract, key);
        readWriteSet.RecordRead(contract, key, committed);
        return committed is null ? null : (byte[])committed.Value.Clone();
    }

    public void PutState(string key, byte[] value)
    {
        CheckKey(key);
        ArgumentNullException.ThrowIfNull(value);
        readWriteSet.Writes[(contract, key)] = (byte[])value.Clone();
    }

    public void DeleteState(string key)
    {
        CheckKey(key);
        readWriteSet.Writes[(contract, key)] = null;
    }

    public IEnumerable<KeyValuePair<string, byte[]>> GetStateByPrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        readWriteSet.RangeReads.Add((contract, prefix));
        var merged = new SortedDictionary<string, byte[]?>(StringComparer.Ordinal);
        foreach (var entry in state.GetByPrefix(contract, prefix))
        {
            merged[entry.Key] = entry.Value.Value;
        }
        foreach (var write in readWriteSet.Writes)
        {
            if (write.Key.Contract == contract && write.Key.Key.StartsWith(prefix, StringComparison.Ordinal))
            {
                merged[write.Key.Key] = write.Value;
            }
        }
        return [.. merged.Where(e => e.Value is not null).Select(e => new KeyValuePair<string, byte[]>(e.Key, (byte[])e.Value!.Clone()))];
    }

    public IEnumerable<KeyModification> GetHistory(string key)
    {
        CheckKey(key);
        return [.. state.GetHistory(contract, key)];
    }

    public void EmitEvent(string name, JsonObject payload)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(payload);
        _events.Add(new ContractEvent(contract, name, payload.ToJsonString()));
    }

    private static void CheckKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (key.Length > MaxKeyBytes)
        {
            throw new ArgumentException($"Keys are at most {MaxKeyBytes} characters.", nameof(key));
        }
    }
}

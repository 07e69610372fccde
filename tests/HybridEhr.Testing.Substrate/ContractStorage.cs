using System.Collections.Immutable;
using HybridEhr.Devnet.Ledger;

namespace HybridEhr.Testing.Substrate;

/// <summary>
/// The contract's key-value state as of one block, immutable so every block keeps its own snapshot (dry runs may
/// name any block) and a call that fails is dropped by simply not keeping its result.
/// </summary>
internal sealed class ContractStorage
{
    public static ContractStorage Empty { get; } = new(
        ImmutableSortedDictionary.Create<string, byte[]>(StringComparer.Ordinal),
        ImmutableDictionary.Create<string, ImmutableList<KeyModification>>(StringComparer.Ordinal));

    private ContractStorage(ImmutableSortedDictionary<string, byte[]> values, ImmutableDictionary<string, ImmutableList<KeyModification>> history)
    {
        Values = values;
        History = history;
    }

    public ImmutableSortedDictionary<string, byte[]> Values { get; }

    public ImmutableDictionary<string, ImmutableList<KeyModification>> History { get; }

    /// <summary>This state with <paramref name="writes"/> applied (null value = delete), recorded in the keys' history.</summary>
    public ContractStorage Apply(IReadOnlyDictionary<string, byte[]?> writes, string transactionId, long blockNumber, long timestamp)
    {
        var values = Values.ToBuilder();
        var history = History.ToBuilder();
        foreach (var (key, value) in writes)
        {
            if (value is null)
            {
                values.Remove(key);
            }
            else
            {
                values[key] = value;
            }

            var modification = new KeyModification(transactionId, blockNumber, timestamp, value, value is null);
            history[key] = history.TryGetValue(key, out var earlier) ? earlier.Add(modification) : [modification];
        }

        return new ContractStorage(values.ToImmutable(), history.ToImmutable());
    }
}

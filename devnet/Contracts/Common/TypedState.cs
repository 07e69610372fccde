using HybridEhr.Devnet.Ledger;

namespace HybridEhr.Devnet.Contracts.Common;

/// <summary>Typed reads and writes of JSON state values over an <see cref="IContractContext"/>.</summary>
public sealed class TypedState(IContractContext context)
{
    public T? Get<T>(string key) where T : class
    {
        var bytes = context.GetState(key);
        return bytes is null ? null : ContractJson.FromBytes<T>(bytes);
    }

    public bool Exists(string key) => context.GetState(key) is not null;

    public void Put<T>(string key, T value) => context.PutState(key, ContractJson.ToBytes(value));

    public void Delete(string key) => context.DeleteState(key);

    /// <summary>Values under a prefix, in ordinal key order.</summary>
    public IEnumerable<T> Scan<T>(string prefix) =>
        context.GetStateByPrefix(prefix).Select(entry => ContractJson.FromBytes<T>(entry.Value));

    public bool AnyUnder(string prefix) => context.GetStateByPrefix(prefix).Any();
}

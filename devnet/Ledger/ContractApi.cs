using System.Text.Json.Nodes;

namespace HybridEhr.Devnet.Ledger;

/// <summary>
/// A smart contract the devnet runs. Implementations must be deterministic: no wall clock, no randomness, no I/O;
/// everything comes from the arguments and the <see cref="IContractContext"/>.
/// </summary>
public interface IContract
{
    /// <summary>The contract's name on the chain, e.g. "access_control" or "records".</summary>
    string Name { get; }

    /// <summary>True for functions that only read; the ledger runs those as queries, outside any block.</summary>
    bool IsQuery(string function);

    /// <summary>
    /// Runs one function. Returns its JSON result (null for none). A broken rule is reported by throwing
    /// <see cref="ContractException"/>; the ledger then discards every write of the call.
    /// </summary>
    JsonNode? Invoke(IContractContext context, string function, JsonObject args);
}

/// <summary>A rule the call broke: a stable machine-readable code (e.g. "NOT_PATIENT") and a human message.</summary>
public sealed class ContractException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>Who signed the transaction (or asked the query), as the ledger established it, never as claimed in arguments.</summary>
/// <param name="AccountId">The signer's account: lower-case hex of its public key, prefixed "0x".</param>
/// <param name="Organization">The MSP id of the organisation the signer is enrolled in, or null (Fabric-like chains).</param>
/// <param name="Attributes">Attributes the organisation gave the signer at enrolment (e.g. role=doctor, document=...).</param>
public sealed record CallerIdentity(string AccountId, string? Organization, IReadOnlyDictionary<string, string> Attributes)
{
    public static CallerIdentity Account(string accountId) => new(accountId, null, new Dictionary<string, string>());
}

/// <summary>One earlier value of a key, as Fabric's GetHistoryForKey gives it.</summary>
public sealed record KeyModification(string TransactionId, long BlockHeight, long Timestamp, byte[]? Value, bool IsDelete);

/// <summary>What a contract sees of the chain during one call.</summary>
public interface IContractContext
{
    CallerIdentity Caller { get; }

    /// <summary>The block's time in Unix milliseconds: the only clock a contract may read.</summary>
    long Timestamp { get; }

    string TransactionId { get; }

    /// <summary>The value as of the start of the block plus this call's own writes; null when absent.</summary>
    byte[]? GetState(string key);

    void PutState(string key, byte[] value);

    void DeleteState(string key);

    /// <summary>Keys starting with <paramref name="prefix"/>, in ordinal key order.</summary>
    IEnumerable<KeyValuePair<string, byte[]>> GetStateByPrefix(string prefix);

    /// <summary>Every committed modification of a key, oldest first.</summary>
    IEnumerable<KeyModification> GetHistory(string key);

    /// <summary>An event delivered to watchers once the transaction commits (dropped if it fails).</summary>
    void EmitEvent(string name, JsonObject payload);
}

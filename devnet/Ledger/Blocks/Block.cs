namespace HybridEhr.Devnet.Ledger;

/// <summary>An event a valid transaction emitted.</summary>
public sealed record ContractEvent(string Contract, string Name, string PayloadJson);

/// <summary>One entry of a transaction's write set: a put (Value set) or a delete (Value null), in a contract's namespace.</summary>
public sealed record StateWrite(string Contract, string Key, byte[]? Value)
{
    public bool IsDelete => Value is null;
}

/// <summary>
/// A transaction as its block records it: the signed transaction, its validation code, and what it did. Invalid
/// transactions keep their code and message but carry no writes and no events.
/// </summary>
public sealed record TransactionRecord(
    SignedTransaction Transaction,
    ValidationCode Code,
    string? ErrorCode,
    string? Message,
    string? ResultJson,
    IReadOnlyList<ContractEvent> Events,
    IReadOnlyList<StateWrite> Writes)
{
    public string TxId => Transaction.TxId;
}

/// <summary>
/// A block. Its hash is SHA-256 over the canonical header (height, previous hash, transactions root, results hash,
/// timestamp, transaction count). The transactions root is a Merkle root over the transaction ids; the results hash
/// covers every validation code, result, event and write, so nothing in a block can change without changing its hash.
/// Block 0 (genesis) carries the genesis configuration instead of transactions.
/// </summary>
public sealed record Block(
    long Height,
    byte[] PreviousHash,
    byte[] TransactionsRoot,
    byte[] ResultsHash,
    long Timestamp,
    byte[] Hash,
    IReadOnlyList<TransactionRecord> Transactions,
    string? GenesisJson)
{
    public string HashHex => Convert.ToHexStringLower(Hash);

    public string PreviousHashHex => Convert.ToHexStringLower(PreviousHash);
}

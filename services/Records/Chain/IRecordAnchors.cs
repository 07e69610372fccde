namespace HybridEhr.Records.Chain;

/// <summary>
/// The records contract on the private chain, as Records needs it: anchor a version (signed as the acting doctor)
/// and read anchors back. The adapter is <see cref="FabricGatewayRecordAnchors"/>; tests use a fake.
/// </summary>
public interface IRecordAnchors
{
    /// <summary>create_record; the receipt carries the committed anchor.</summary>
    /// <exception cref="ChainCallException">The contract or the ledger refused, or the outcome is unknown.</exception>
    Task<AnchorReceipt> CreateAsync(AnchorRequest request, string organisationMspId, CancellationToken cancellationToken);

    /// <summary>update_record applying only if the chain is still at <paramref name="expectedVersion"/>.</summary>
    Task<AnchorReceipt> UpdateAsync(AnchorRequest request, long expectedVersion, string organisationMspId, CancellationToken cancellationToken);

    /// <summary>get_record: the latest anchor, or null when the chain has no such record.</summary>
    Task<ChainRecord?> GetAsync(string recordId, CancellationToken cancellationToken);

    /// <summary>get_record_history, oldest first; empty when the chain has no such record.</summary>
    Task<IReadOnlyList<ChainHistoryEntry>> GetHistoryAsync(string recordId, CancellationToken cancellationToken);
}

/// <summary>What a version's anchor says (the contract's record object).</summary>
public sealed record ChainRecord(
    string RecordId,
    string Patient,
    long Version,
    string PlaintextHash,
    string CiphertextHash,
    IReadOnlyList<string> ImageTokenIds,
    string Author,
    string Organization,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

public sealed record ChainHistoryEntry(string TransactionId, DateTimeOffset Timestamp, ChainRecord Record);

public sealed record AnchorReceipt(string TxId, ulong BlockNumber, ChainRecord Record);

/// <summary>The public facts of a version: ids and hashes only (transaction arguments are visible to every channel member).</summary>
public sealed record AnchorRequest(string RecordId, string PatientAccountId, string PlaintextHash, string CiphertextHash, IReadOnlyList<string> ImageTokenIds);

/// <summary>A chain call failed. <see cref="ContractCode"/> is the contract's error code when the contract refused.</summary>
public sealed class ChainCallException(StatusCode status, string? contractCode, string detail, bool provesNotSent = false) : Exception(detail)
{
    public StatusCode Status { get; } = status;

    public string? ContractCode { get; } = contractCode;

    /// <summary>The request never left this process (connection refused): see <see cref="HybridEhr.ServiceDefaults.Writes.WriteFailure"/>.</summary>
    public bool ProvesNotSent { get; } = provesNotSent;

    /// <summary>
    /// True when the transaction may have committed anyway: a deadline, a cut or reset connection, an unknown error,
    /// or "unavailable" from a gateway that did receive the request (it may have been cut off from the peers after
    /// submitting). False only when it certainly wrote nothing: the contract or the ledger refused, or the request
    /// never left this process.
    /// </summary>
    public bool OutcomeUnknown => ContractCode is null && !ProvesNotSent
        && Status is StatusCode.DeadlineExceeded or StatusCode.Cancelled or StatusCode.Unknown or StatusCode.Internal or StatusCode.Unavailable;
}

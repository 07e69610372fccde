namespace HybridEhr.Records.Storage;

/// <summary>
/// Where encrypted record documents live: one header document per record and one document per version, each with an
/// opaque revision for optimistic concurrency (CouchDB's _id/_rev model, so the CouchDB adapter maps one to one).
/// The embedded default is <see cref="FileRecordDocumentStore"/>.
/// </summary>
public interface IRecordDocumentStore
{
    Task<StoredRecord?> GetRecordAsync(string recordId, CancellationToken cancellationToken);

    /// <summary>Creates (Revision null) or replaces (Revision = the current one) a header; returns it with its new revision.</summary>
    /// <exception cref="RevisionConflictException">The stored revision differs: someone else wrote in between.</exception>
    Task<StoredRecord> PutRecordAsync(StoredRecord record, CancellationToken cancellationToken);

    Task<StoredVersion?> GetVersionAsync(string recordId, long version, CancellationToken cancellationToken);

    /// <summary>As <see cref="PutRecordAsync"/>, for a version document.</summary>
    Task<StoredVersion> PutVersionAsync(StoredVersion version, CancellationToken cancellationToken);

    /// <summary>Removes a version document (only pending ones are ever removed: writes that never reached the chain).</summary>
    Task DeleteVersionAsync(string recordId, long version, string revision, CancellationToken cancellationToken);

    /// <summary>The headers of one patient's records, in no particular order.</summary>
    Task<IReadOnlyList<StoredRecord>> ListByPatientAsync(string patientAccountId, CancellationToken cancellationToken);
}

public sealed class RevisionConflictException(string message) : Exception(message);

/// <summary>A record's header: who it belongs to and which versions exist.</summary>
/// <param name="LatestVersion">The highest committed (anchored) version; 0 while version 1 is still pending.</param>
/// <param name="PendingVersion">A version stored but not yet known to be anchored (a write in progress, or one cut short by a crash).</param>
/// <param name="SealedTitle">The document title, encrypted (titles can be clinical); null when none.</param>
/// <param name="IdempotencyKey">Hash of the creating doctor and their idempotency key, when one was given.</param>
/// <param name="RequestFingerprint">Hash of the creating request, to tell a retry from a different request with the same key.</param>
public sealed record StoredRecord(
    string RecordId,
    string PatientAccountId,
    DateTimeOffset CreatedAt,
    string CreatedByAccountId,
    long LatestVersion,
    long? PendingVersion,
    byte[]? SealedTitle,
    DateTimeOffset UpdatedAt,
    bool Erased,
    string? IdempotencyKey = null,
    string? RequestFingerprint = null,
    string? Revision = null);

public enum VersionState
{
    Pending = 0,
    Committed = 1,
}

/// <summary>Where a version was anchored, as the submission's receipt said.</summary>
public sealed record StoredAnchor(string TxId, ulong BlockNumber, DateTimeOffset AnchoredAt, string OrganisationMspId);

/// <summary>One version: the ciphertext envelope, its wrapped data key (null once erased) and what was anchored.</summary>
public sealed record StoredVersion(
    string RecordId,
    long Version,
    VersionState State,
    byte[] Envelope,
    byte[]? WrappedKey,
    string ContentHash,
    string CiphertextHash,
    string AuthorAccountId,
    string OrganisationMspId,
    DateTimeOffset WrittenAt,
    string ChangeReason,
    IReadOnlyList<string> ImageTokenIds,
    StoredAnchor? Anchor,
    string? Revision = null);

namespace HybridEhr.Devnet.Contracts.Records;

/// <summary>
/// The membership attributes the records contract reads from <c>CallerIdentity.Attributes</c>. The ledger sets them
/// at enrolment (Fabric: attributes in the client certificate), so callers cannot claim them in arguments.
/// </summary>
public static class MemberAttributes
{
    public const string Role = "role";
    public const string DocumentIdHash = "document_id_hash";

    public const string NetworkAdminRole = "network_admin";
    public const string OrganizationAdminRole = "org_admin";
    public const string DoctorRole = "doctor";
}

/// <summary>A hospital taking part in the private chain; its id is its MSP id.</summary>
public sealed record Organization(string OrganizationId, string? Name, string RegisteredBy, long RegisteredAt);

/// <summary>A doctor (known by the hash of their identity document) enrolled in exactly one organisation.</summary>
public sealed record DoctorEnrollment(string DocumentIdHash, string Organization, string EnrolledBy, long EnrolledAt);

/// <summary>
/// The on-chain anchor of one EHR version: the document itself is encrypted off-chain; the chain keeps the hash of its
/// canonical plaintext and of its ciphertext so that tampering is detected on read.
/// </summary>
public sealed record EhrRecord(
    string RecordId,
    string Patient,
    long Version,
    string PlaintextHash,
    string CiphertextHash,
    IReadOnlyList<string> ImageTokenIds,
    string Author,
    string Organization,
    long CreatedAt,
    long UpdatedAt);

/// <summary>One committed version of a record, as get_record_history returns it.</summary>
public sealed record RecordHistoryEntry(string TransactionId, long Timestamp, EhrRecord Record);

/// <summary>A soulbound image NFT: owned by the patient for good, pointing at the encrypted image in IPFS.</summary>
public sealed record ImageToken(
    string TokenId,
    string Owner,
    string RecordId,
    string TokenUri,
    string ContentHash,
    string MintedBy,
    string Organization,
    long MintedAt);

/// <summary>Index entry: the id of a record or token listed under a patient.</summary>
public sealed record IdIndex(string Id);

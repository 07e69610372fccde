namespace HybridEhr.Devnet.Contracts.AccessControl;

public static class Roles
{
    public const string Patient = "patient";
    public const string Doctor = "doctor";
}

public static class RequestStatus
{
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Denied = "denied";
}

/// <summary>The authority that attests doctors (in our system: the Identity service's key), set once by init.</summary>
public sealed record RegistrarConfig(string Registrar, long InitializedAt);

/// <summary>An account on the permission chain. The document is only ever seen as a hash: the chain is readable.</summary>
public sealed record UserAccount(string Account, string Role, string DocumentIdHash, long RegisteredAt);

/// <summary>The registrar's statement that a document belongs to a doctor enrolled in an organisation.</summary>
public sealed record DoctorAttestation(string DocumentIdHash, string Organization, string AttestedBy, long AttestedAt);

/// <summary>Which account holds a document's slot for one role (at most one per role and document).</summary>
public sealed record RoleSlot(string Account);

/// <summary>A patient's permission for a grantee to view their records; ExpiresAt null means until revoked.</summary>
public sealed record PermissionGrant(string Patient, string Grantee, long GrantedAt, long? ExpiresAt)
{
    /// <summary>Live while the block time is strictly before the expiry.</summary>
    public bool IsLiveAt(long timestamp) => ExpiresAt is not { } expiry || timestamp < expiry;
}

/// <summary>A doctor's request to view a patient's records; one per (patient, doctor), reused when asked again.</summary>
public sealed record AccessRequest(string Patient, string Doctor, string Status, long RequestedAt, long? DecidedAt);

/// <summary>Index entry so that a doctor's requests can be listed without scanning every patient.</summary>
public sealed record DoctorRequestIndex(string Patient);

/// <summary>One live grantee as get_grantees returns it.</summary>
public sealed record GranteeView(string Grantee, long GrantedAt, long? ExpiresAt);

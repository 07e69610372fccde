namespace HybridEhr.Contracts.Events;

/// <summary>
/// The role of an account. Same numbers as <c>hybridehr.common.v1.Role</c>, kept separate so events do not
/// depend on generated gRPC types.
/// </summary>
public enum AccountRole
{
    Unspecified = 0,
    Patient = 1,
    Doctor = 2,
}

/// <summary>Why a read of an EHR was allowed; the audit trail needs to tell these apart.</summary>
public enum AccessBasis
{
    Unspecified = 0,

    /// <summary>The patient read their own record.</summary>
    Owner = 1,

    /// <summary>A doctor read under a live grant (see <c>GrantId</c>).</summary>
    Grant = 2,

    /// <summary>Someone opened a single-use share link (see <c>ShareLinkId</c>).</summary>
    ShareLink = 3,
}

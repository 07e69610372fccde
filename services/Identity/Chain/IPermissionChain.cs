using HybridEhr.Clients.Devnet;
using Grpc.Core;

namespace HybridEhr.Identity.Chain;

/// <summary>How an add_user ended.</summary>
public enum AddUserOutcome
{
    Added,

    /// <summary>This key is already an account (an earlier attempt of the same registration got through).</summary>
    AlreadyRegistered,

    /// <summary>Another account holds this document's slot for the role (ROLE_ACCOUNT_EXISTS).</summary>
    RoleTaken,

    /// <summary>Doctor role without the registrar's attestation of the document.</summary>
    DoctorNotAttested,
}

public sealed record AddUserResult(AddUserOutcome Outcome, string? TxId, DateTimeOffset? RegisteredAt);

/// <summary>An account as the permission chain records it.</summary>
public sealed record ChainUser(string Account, string Role, string DocumentIdHash, DateTimeOffset RegisteredAt);

/// <summary>
/// The permission chain's access_control contract as Identity uses it. Implementations throw UNAVAILABLE
/// (<see cref="Grpc.Core.RpcException"/>) when the chain cannot be reached.
/// </summary>
public interface IPermissionChain
{
    /// <summary>init {registrar}; an already initialised contract is fine.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>attest_doctor signed by the registrar (idempotent on the chain); returns the transaction id.</summary>
    Task<string> AttestDoctorAsync(string documentIdHash, string organization, CancellationToken cancellationToken);

    /// <summary>add_user signed by the new account's own key.</summary>
    Task<AddUserResult> AddUserAsync(ITransactionSigner account, string documentIdHash, string role, CancellationToken cancellationToken);

    Task<bool> UserExistsAsync(string accountId, CancellationToken cancellationToken);

    /// <summary>user_role: "patient", "doctor", or null for no such account.</summary>
    Task<string?> UserRoleAsync(string accountId, CancellationToken cancellationToken);

    Task<ChainUser?> GetUserAsync(string accountId, CancellationToken cancellationToken);

    /// <summary>The add_user transaction that created the account, when the chain can tell (for recovery after a crash).</summary>
    Task<string?> FindAddUserTxIdAsync(string accountId, CancellationToken cancellationToken);
}

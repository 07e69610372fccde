using System.Text.Json.Nodes;
using HybridEhr.Devnet.Contracts.Common;
using HybridEhr.Devnet.Ledger;

namespace HybridEhr.Devnet.Contracts.AccessControl;

/// <summary>Patients' view permissions. A grant is live until revoked or until the block time reaches its expiry.</summary>
internal sealed class GrantBook(IContractContext context)
{
    private readonly TypedState state = new(context);

    public PermissionGrant? Find(string patient, string grantee) =>
        state.Get<PermissionGrant>(AccessControlKeys.Grant(patient, grantee));

    public bool IsLive(string patient, string grantee) => Find(patient, grantee)?.IsLiveAt(context.Timestamp) == true;

    public bool HasAnyGrant(string patient) => state.AnyUnder(AccessControlKeys.GrantsOf(patient));

    public IEnumerable<GranteeView> LiveGrantees(string patient) =>
        state.Scan<PermissionGrant>(AccessControlKeys.GrantsOf(patient))
            .Where(grant => grant.IsLiveAt(context.Timestamp))
            .Select(grant => new GranteeView(grant.Grantee, grant.GrantedAt, grant.ExpiresAt));

    public void RequireFutureExpiry(long? expiresAt)
    {
        if (expiresAt is { } expiry && expiry <= context.Timestamp)
        {
            throw new ContractException(AccessControlErrors.ExpiryNotInFuture, "expires_at must be after the current block time");
        }
    }

    /// <summary>
    /// Grants (or re-grants with a new expiry). Granting exactly the live grant that already exists changes nothing
    /// and emits nothing, so retried calls are harmless.
    /// </summary>
    public PermissionGrant Grant(string patient, UserAccount grantee, long? expiresAt)
    {
        if (grantee.Role != Roles.Doctor)
        {
            throw new ContractException(AccessControlErrors.TargetNotDoctor, "permissions are granted to doctor accounts only");
        }

        RequireFutureExpiry(expiresAt);
        var existing = Find(patient, grantee.Account);
        if (existing is not null && existing.IsLiveAt(context.Timestamp) && existing.ExpiresAt == expiresAt)
        {
            return existing;
        }

        var grant = new PermissionGrant(patient, grantee.Account, context.Timestamp, expiresAt);
        state.Put(AccessControlKeys.Grant(patient, grantee.Account), grant);
        context.EmitEvent("PermissionGranted", new JsonObject
        {
            ["patient"] = patient,
            ["grantee"] = grantee.Account,
            ["expires_at"] = expiresAt,
        });
        return grant;
    }

    /// <summary>Removes the stored grant, live or expired; false (and no event) when there was none.</summary>
    public bool Revoke(string patient, string grantee)
    {
        var existing = Find(patient, grantee);
        if (existing is null)
        {
            return false;
        }

        state.Delete(AccessControlKeys.Grant(patient, grantee));
        context.EmitEvent("PermissionRevoked", new JsonObject
        {
            ["patient"] = patient,
            ["grantee"] = grantee,
            ["was_live"] = existing.IsLiveAt(context.Timestamp),
        });
        return true;
    }
}

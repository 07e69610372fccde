using HybridEhr.Contracts.Events;
using HybridEhr.Security;

namespace HybridEhr.Records.Access;

/// <summary>Why a read is allowed, for the audit trail.</summary>
public sealed record ReadAccess(AccessBasis Basis, string? GrantId, AccountRole ReaderRole);

/// <summary>An allowed write: the doctor's organisation signs and endorses it.</summary>
public sealed record WriteAccess(string OrganisationMspId, string? GrantId);

/// <summary>
/// Who may do what with a patient's records, decided by the permission chain, never by the caller's word:
/// <list type="bullet">
/// <item>Reads: the patient, always, for their own records; a doctor holding a live grant from the patient; nobody else.</item>
/// <item>Writes: only a doctor of an organisation (token role doctor with an org claim; the chain additionally requires the
/// doctor to be enrolled there) holding a live grant from the patient, checked against the chain itself. Patients never write.</item>
/// </list>
/// Decision (issue 4): the authoring doctor's organisation gets no write right of its own. A grant is the patient's
/// decision and a revoke must stop writes as surely as reads; an organisation-wide right would let every doctor of a
/// hospital change the record of a patient who revoked them, and would rest on the hospital's word, not the chain's.
/// </summary>
public sealed class AccessPolicy(IPermissionChecker permissions, IAccountDirectory accounts)
{
    public async Task<ReadAccess> AuthorizeReadAsync(Caller caller, string patientAccountId, CancellationToken cancellationToken)
    {
        if (caller.IsPatient)
        {
            return caller.AccountId == patientAccountId
                ? new ReadAccess(AccessBasis.Owner, null, AccountRole.Patient)
                : throw Denied("A patient can read only their own records.");
        }

        if (!caller.IsDoctor)
        {
            throw Denied("Only the patient and doctors holding the patient's grant can read records.");
        }

        var check = await permissions.CheckAsync(patientAccountId, caller.AccountId, strict: false, cancellationToken).ConfigureAwait(false);
        return check.Granted
            ? new ReadAccess(AccessBasis.Grant, check.GrantId, AccountRole.Doctor)
            : throw Denied("You hold no live grant from this patient: ask for access (Permissions.RequestAccess) and wait for approval.");
    }

    /// <summary>The role part of a write, checked before anything is looked up: patients and services never write.</summary>
    public static string RequireWriter(Caller caller)
    {
        if (caller.IsPatient)
        {
            throw Denied("Patients cannot write records; a doctor with your grant writes them.");
        }

        if (!caller.IsDoctor)
        {
            throw Denied("Only doctors write records.");
        }

        return string.IsNullOrEmpty(caller.Claims.Organization)
            ? throw Denied("Your doctor account is not enrolled in an organisation of the private chain.")
            : caller.Claims.Organization;
    }

    public async Task<WriteAccess> AuthorizeWriteAsync(Caller caller, string patientAccountId, bool patientMayBeUnknown, CancellationToken cancellationToken)
    {
        var organisation = RequireWriter(caller);
        var check = await permissions.CheckAsync(patientAccountId, caller.AccountId, strict: true, cancellationToken).ConfigureAwait(false);
        if (check.Granted)
        {
            return new WriteAccess(organisation, check.GrantId);
        }

        if (patientMayBeUnknown && !await accounts.IsPatientAsync(patientAccountId, cancellationToken).ConfigureAwait(false))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"There is no patient account {patientAccountId}."));
        }

        throw Denied("You hold no live grant from this patient: ask for access (Permissions.RequestAccess) and wait for approval.");
    }

    private static RpcException Denied(string message) => new(new Status(StatusCode.PermissionDenied, message));
}

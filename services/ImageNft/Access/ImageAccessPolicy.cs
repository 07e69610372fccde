using HybridEhr.Contracts.Events;
using Grpc.Core;
using HybridEhr.Security;

namespace HybridEhr.ImageNft.Access;

/// <summary>Why a caller may see a patient's images: as the owner, under a grant, or as a service (tokens only).</summary>
public sealed record AccessDecision(AccessBasis Basis, string? GrantId)
{
    public static readonly AccessDecision Owner = new(AccessBasis.Owner, null);
    public static readonly AccessDecision Service = new(AccessBasis.Unspecified, null);
}

/// <summary>
/// Who may do what with a patient's images. Roles come from the validated access token; grants from the permission
/// chain, never from the caller's word. Every refusal is PERMISSION_DENIED with the reason.
/// </summary>
public sealed class ImageAccessPolicy(IGrantChecker grants)
{
    /// <summary>Uploading: a doctor with a live grant from the patient (the chain then checks the enrolment).</summary>
    public async Task<LiveGrant> AuthorizeUploadAsync(Caller caller, string patientAccountId, CancellationToken cancellationToken)
    {
        if (!caller.IsDoctor)
        {
            throw Denied($"Only doctors upload images; you are signed in as a {caller.Claims.Role}.");
        }

        return await grants.FindLiveGrantAsync(patientAccountId, caller.AccountId, cancellationToken).ConfigureAwait(false)
            ?? throw Denied("You hold no live grant from this patient; ask for access first (Permissions.RequestAccess).");
    }

    /// <summary>Reading a patient's images or tokens: the patient, a doctor with a live grant, and, when
    /// <paramref name="servicesAllowed"/>, a service.</summary>
    public async Task<AccessDecision> AuthorizeReadAsync(
        Caller caller, string ownerAccountId, bool servicesAllowed, CancellationToken cancellationToken)
    {
        if (caller.IsPatient)
        {
            return caller.AccountId == ownerAccountId
                ? AccessDecision.Owner
                : throw Denied("These images belong to another patient.");
        }

        if (caller.IsDoctor)
        {
            var grant = await grants.FindLiveGrantAsync(ownerAccountId, caller.AccountId, cancellationToken).ConfigureAwait(false)
                ?? throw Denied("You hold no live grant from this patient; ask for access first (Permissions.RequestAccess).");
            return new AccessDecision(AccessBasis.Grant, grant.GrantId);
        }

        return caller.IsService && servicesAllowed
            ? AccessDecision.Service
            : throw Denied($"Image content is for the patient and their doctors; you are signed in as a {caller.Claims.Role}.");
    }

    private static RpcException Denied(string message) => new(new Status(StatusCode.PermissionDenied, message));
}

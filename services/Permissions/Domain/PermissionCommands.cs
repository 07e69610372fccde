using System.Text.Json.Nodes;
using Grpc.Core;
using HybridEhr.Permissions.Chain;

namespace HybridEhr.Permissions.Domain;

public sealed record RequestOutcome(AccessRequestRecord Request, string TxId);

public sealed record GrantOutcome(GrantRecord Grant, string TxId);

public sealed record RevokeOutcome(GrantRecord RevokedGrant, DateTimeOffset RevokedAt, string TxId);

/// <summary>
/// The writes: each is one access_control transaction signed with the acting user's own key. Cheap checks run
/// first (role, arguments, what the read model already knows); the chain re-checks everything. A committed
/// transaction's events are applied to the read model before the call is answered, so this service's own reads
/// see the change at once (a revoke is effective for every check made after the call returns).
/// </summary>
public sealed class PermissionCommands(
    IPermissionChain chain, ITransactionSignerFactory signers, PermissionReadModel model, TimeProvider time, TimeSpan? minimumGrantLength = null,
    ReadModelFreshness? freshness = null)
{
    /// <summary>How long a retry waits for the read model to apply the write whose answer was lost.</summary>
    private static readonly TimeSpan CatchUpLimit = TimeSpan.FromSeconds(10);

    /// <summary>How long a revoke stays the answer to a repeated revoke of the same doctor (as idempotency keys do elsewhere).</summary>
    private static readonly TimeSpan RepeatWindow = TimeSpan.FromHours(24);

    public const int MaxReasonLength = 500;
    /// <summary>The shortest grant a patient may give by default: shorter ones expire before a doctor can use them.</summary>
    public static readonly TimeSpan DefaultMinimumGrantLength = TimeSpan.FromMinutes(1);

    private readonly TimeSpan _minimumGrantLength = minimumGrantLength ?? DefaultMinimumGrantLength;

    public async Task<RequestOutcome> RequestAccessAsync(Actor actor, string patientAccountId, string reason, CancellationToken cancellationToken)
    {
        if (!actor.IsDoctor)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "Only doctors can request access to a patient's records."));
        }

        var patient = RequireAccount(patientAccountId, "patient_account_id");
        RequireReason(reason);
        var doctor = actor.AccountId;
        if (model.FindLiveGrant(patient, doctor, time.GetUtcNow()) is not null)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "You already hold a live grant from this patient, so there is nothing to request."));
        }

        if (model.CurrentRequest(patient, doctor) is { Status: RequestStatus.Pending })
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, "You already have a pending request to this patient; wait for their decision."));
        }

        var submission = await SubmitWithReasonAsync(actor, "request_access", new JsonObject { ["patient"] = patient },
            ChainEventNames.AccessRequested, patient, doctor, reason, cancellationToken).ConfigureAwait(false);
        if (submission.Events.Count == 0)
        {
            // The chain answers a repeated request while one is pending with the existing request and no event.
            throw new RpcException(new Status(StatusCode.AlreadyExists, "You already have a pending request to this patient; wait for their decision."));
        }

        var request = model.CurrentRequest(patient, doctor)
            ?? throw new RpcException(new Status(StatusCode.Internal, "The request was committed but the read model did not record it."));
        return new RequestOutcome(request, submission.TxId);
    }

    public async Task<GrantOutcome> ApproveAccessAsync(Actor actor, string requestId, DateTimeOffset? expiresAt, CancellationToken cancellationToken)
    {
        var request = RequireDecidableRequest(actor, requestId);
        RequireExpiry(expiresAt);
        var submission = await SubmitAsync(actor, "approve_access",
            new JsonObject { ["doctor"] = request.Doctor, ["expires_at"] = ToChainTime(expiresAt) }, cancellationToken).ConfigureAwait(false);
        var grant = model.FindStoredGrant(request.Patient, request.Doctor) is { } stored && stored.TxId == submission.TxId
            ? stored
            : model.FindLiveGrant(request.Patient, request.Doctor, submission.BlockTime)
              ?? throw new RpcException(new Status(StatusCode.Internal, "The approval was committed but the read model did not record its grant."));
        return new GrantOutcome(grant, submission.TxId);
    }

    public async Task<RequestOutcome> DenyAccessAsync(Actor actor, string requestId, string reason, CancellationToken cancellationToken)
    {
        var request = RequireDecidableRequest(actor, requestId);
        RequireReason(reason);
        var submission = await SubmitWithReasonAsync(actor, "deny_access", new JsonObject { ["doctor"] = request.Doctor },
            ChainEventNames.AccessDenied, request.Patient, request.Doctor, reason, cancellationToken).ConfigureAwait(false);
        return new RequestOutcome(model.FindRequest(request.RequestId) ?? request, submission.TxId);
    }

    public async Task<GrantOutcome> GrantPermissionAsync(Actor actor, string doctorAccountId, DateTimeOffset? expiresAt, CancellationToken cancellationToken)
    {
        RequirePatient(actor, "grant access");
        var doctor = RequireAccount(doctorAccountId, "doctor_account_id");
        RequireExpiry(expiresAt);
        var patient = actor.AccountId;
        var submission = await SubmitAsync(actor, "grant_permission",
            new JsonObject { ["grantee"] = doctor, ["expires_at"] = ToChainTime(expiresAt) }, cancellationToken).ConfigureAwait(false);

        // No event = the identical live grant already existed (a retry); answer with it.
        var grant = model.FindLiveGrant(patient, doctor, submission.BlockTime)
            ?? new GrantRecord(PermissionIds.Grant(patient, doctor, submission.TxId), patient, doctor, null, submission.BlockTime, expiresAt, submission.TxId);
        return new GrantOutcome(grant, submission.TxId);
    }

    public async Task<RevokeOutcome> RevokePermissionAsync(Actor actor, string doctorAccountId, CancellationToken cancellationToken)
    {
        RequirePatient(actor, "revoke access");
        var doctor = RequireAccount(doctorAccountId, "doctor_account_id");
        var patient = actor.AccountId;
        var before = model.FindStoredGrant(patient, doctor);
        var submission = await SubmitAsync(actor, "revoke_permission", new JsonObject { ["grantee"] = doctor }, cancellationToken).ConfigureAwait(false);
        var revoked = submission.Events.FirstOrDefault(e => e.Name == ChainEventNames.PermissionRevoked);
        if (revoked is null)
        {
            // A revoke sent again after its answer was lost: the first one's result, once the model has applied it.
            if (model.FindRevocationSinceLastGrant(patient, doctor) is { WasLive: true } earlier && time.GetUtcNow() - earlier.RevokedAt < RepeatWindow)
            {
                return new RevokeOutcome(earlier.Grant, earlier.RevokedAt, earlier.TxId);
            }

            throw new RpcException(new Status(StatusCode.NotFound, "This doctor holds no grant from you."));
        }

        if (JsonNode.Parse(revoked.PayloadJson)?["was_live"]?.GetValue<bool>() == false)
        {
            throw new RpcException(new Status(StatusCode.NotFound, "This doctor's grant had already expired; its leftover record was removed."));
        }

        var grant = before ?? new GrantRecord(PermissionIds.Grant(patient, doctor, submission.TxId), patient, doctor, null, submission.BlockTime, null, submission.TxId);
        return new RevokeOutcome(grant, submission.BlockTime, submission.TxId);
    }

    private AccessRequestRecord RequireDecidableRequest(Actor actor, string requestId)
    {
        RequirePatient(actor, "decide on access requests");
        if (string.IsNullOrWhiteSpace(requestId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "request_id is required."));
        }

        var request = model.FindRequest(requestId.Trim())
            ?? throw new RpcException(new Status(StatusCode.NotFound, "There is no access request with this id."));
        if (request.Patient != actor.AccountId)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "This request is addressed to another patient."));
        }

        var current = model.CurrentRequest(request.Patient, request.Doctor);
        if (current?.RequestId != request.RequestId || current.Status != RequestStatus.Pending)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "This request is no longer pending: it was already approved or denied."));
        }

        return current;
    }

    private async Task<ChainSubmission> SubmitWithReasonAsync(Actor actor, string function, JsonObject args, string eventName,
        string patient, string doctor, string reason, CancellationToken cancellationToken)
    {
        model.ExpectReason(eventName, patient, doctor, reason);
        try
        {
            return await SubmitAsync(actor, function, args, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Consumed when the event was applied; otherwise nothing will claim it.
            model.ForgetExpectedReason(eventName, patient, doctor);
        }
    }

    private async Task<ChainSubmission> SubmitAsync(Actor actor, string function, JsonObject args, CancellationToken cancellationToken)
    {
        var submission = await chain.SubmitAsync(signers.ForAccount(actor.AccountId), function, args, cancellationToken).ConfigureAwait(false);
        if (!submission.IsValid)
        {
            throw ChainErrors.ToRpcException(submission);
        }

        if (submission.Events.Count == 0)
        {
            model.NoteEventlessTransaction(submission.TxId);

            // Changed nothing: the state it met may be an earlier attempt's whose answer was lost. The follower applies
            // that attempt's events; answer once the model reflects this block, so the answer includes them.
            if (freshness is not null)
            {
                await freshness.WaitUntilReflectsAsync(submission.BlockHeight, CatchUpLimit, cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var chainEvent in submission.Events)
        {
            model.ApplyChainEvent(chainEvent);
        }

        return submission;
    }

    private void RequireExpiry(DateTimeOffset? expiresAt)
    {
        if (expiresAt is { } expiry && expiry < time.GetUtcNow() + _minimumGrantLength)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"expires_at must be at least {_minimumGrantLength.TotalSeconds:0} seconds in the future (leave it unset for a grant until revoked)."));
        }
    }

    private static void RequirePatient(Actor actor, string what)
    {
        if (!actor.IsPatient)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"Only patients can {what}."));
        }
    }

    private static void RequireReason(string reason)
    {
        if (reason.Length > MaxReasonLength)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"reason is {reason.Length} characters long; at most {MaxReasonLength} are allowed."));
        }
    }

    public static string RequireAccount(string value, string field) =>
        string.IsNullOrWhiteSpace(value)
            ? throw new RpcException(new Status(StatusCode.InvalidArgument, $"{field} is required."))
            : AccountIds.TryNormalize(value, out var account)
                ? account
                : throw new RpcException(new Status(StatusCode.InvalidArgument, $"{field} must be a chain account id: \"0x\" followed by 64 hexadecimal digits."));

    private static long? ToChainTime(DateTimeOffset? value) => value?.ToUnixTimeMilliseconds();
}

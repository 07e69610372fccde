using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Grpc.Core;
using HybridEhr.Permissions.Chain;

namespace HybridEhr.Permissions.Domain;

public sealed record PermissionAnswer(bool HasPermission, GrantRecord? Grant, TimeSpan MaxStaleness, long AsOfBlock);

public sealed record GranteesAnswer(IReadOnlyList<GrantRecord> Grants, TimeSpan MaxStaleness);

public sealed record PendingPage(IReadOnlyList<AccessRequestRecord> Requests, string NextPageToken);

/// <summary>The reads: who may ask what, answered from the read model (or, on request, from the chain itself).</summary>
public sealed class PermissionQueries(PermissionReadModel model, ReadModelFreshness freshness, IPermissionChain chain, TimeProvider time)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    /// <summary>Answered from the read model: a few dictionary lookups under one short lock.</summary>
    public PermissionAnswer HasPermission(Actor actor, string patientAccountId, string doctorAccountId)
    {
        var (patient, doctor) = AuthorizeCheck(actor, patientAccountId, doctorAccountId);
        var grant = model.FindLiveGrant(patient, doctor, time.GetUtcNow());
        return new PermissionAnswer(grant is not null, grant, freshness.MaxStaleness, freshness.AsOfBlock);
    }

    /// <summary>Asks the chain (has_permission, then get_grantees for the grant's times); never stale.</summary>
    public async Task<PermissionAnswer> HasPermissionOnChainAsync(Actor actor, string patientAccountId, string doctorAccountId, CancellationToken cancellationToken)
    {
        var (patient, doctor) = AuthorizeCheck(actor, patientAccountId, doctorAccountId);
        var height = await chain.GetHeightAsync(cancellationToken).ConfigureAwait(false);
        var answer = await QueryAsync(patient, "has_permission", new JsonObject { ["patient"] = patient, ["grantee"] = doctor }, cancellationToken).ConfigureAwait(false);
        if (answer?.GetValue<bool>() != true)
        {
            return new PermissionAnswer(false, null, TimeSpan.Zero, height);
        }

        var grantees = await QueryAsync(patient, "get_grantees", new JsonObject { ["patient"] = patient }, cancellationToken).ConfigureAwait(false);
        var entry = grantees?.AsArray().OfType<JsonObject>().FirstOrDefault(g => g["grantee"]?.GetValue<string>() == doctor);
        if (entry is null)
        {
            return new PermissionAnswer(false, null, TimeSpan.Zero, height);
        }

        var grantedAt = DateTimeOffset.FromUnixTimeMilliseconds(entry["granted_at"]!.GetValue<long>());
        DateTimeOffset? expiresAt = entry["expires_at"] is JsonValue expiry ? DateTimeOffset.FromUnixTimeMilliseconds(expiry.GetValue<long>()) : null;
        var known = model.FindStoredGrant(patient, doctor);
        var grant = known is not null && known.GrantedAt == grantedAt
            ? known
            : new GrantRecord(known?.GrantId ?? string.Empty, patient, doctor, known?.RequestId, grantedAt, expiresAt, known?.TxId ?? string.Empty);

        // The chain judges expiry by its last block time; a grant past its expiry is not live whatever the chain says.
        return grant.IsLiveAt(time.GetUtcNow())
            ? new PermissionAnswer(true, grant, TimeSpan.Zero, height)
            : new PermissionAnswer(false, null, TimeSpan.Zero, height);
    }

    public GranteesAnswer GetGrantees(Actor actor, string patientAccountId)
    {
        if (actor.IsDoctor)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "Doctors cannot list a patient's grantees."));
        }

        string patient;
        if (string.IsNullOrWhiteSpace(patientAccountId))
        {
            patient = actor.IsPatient
                ? actor.AccountId
                : throw new RpcException(new Status(StatusCode.InvalidArgument, "patient_account_id is required when a service asks."));
        }
        else
        {
            patient = PermissionCommands.RequireAccount(patientAccountId, "patient_account_id");
            if (!actor.IsService && patient != actor.AccountId)
            {
                throw new RpcException(new Status(StatusCode.PermissionDenied, "A patient can only list their own grantees."));
            }
        }

        return new GranteesAnswer(model.LiveGrants(patient, time.GetUtcNow()), freshness.MaxStaleness);
    }

    public PendingPage ListPendingRequests(Actor actor, int pageSize, string pageToken)
    {
        if (!actor.IsPatient)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "Only patients have access requests waiting for their decision."));
        }

        if (pageSize is < 0 or > MaxPageSize)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"page_size must be between 0 (meaning {DefaultPageSize}) and {MaxPageSize}."));
        }

        var size = pageSize == 0 ? DefaultPageSize : pageSize;
        var after = string.IsNullOrEmpty(pageToken) ? ((DateTimeOffset, string)?)null : ParsePageToken(pageToken);
        var requests = model.PendingRequests(actor.AccountId, after, size + 1);
        if (requests.Count <= size)
        {
            return new PendingPage(requests, string.Empty);
        }

        var page = requests.Take(size).ToList();
        return new PendingPage(page, FormatPageToken(page[^1]));
    }

    private static (string Patient, string Doctor) AuthorizeCheck(Actor actor, string patientAccountId, string doctorAccountId)
    {
        var patient = PermissionCommands.RequireAccount(patientAccountId, "patient_account_id");
        var doctor = PermissionCommands.RequireAccount(doctorAccountId, "doctor_account_id");
        if (!actor.IsService && actor.AccountId != patient && actor.AccountId != doctor)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "Only the patient, the doctor concerned, or a service may ask about this permission."));
        }

        return (patient, doctor);
    }

    private async Task<JsonNode?> QueryAsync(string caller, string function, JsonObject args, CancellationToken cancellationToken)
    {
        var result = await chain.QueryAsync(caller, function, args, cancellationToken).ConfigureAwait(false);
        if (!result.IsValid)
        {
            throw ChainErrors.FromContract(result.ErrorCode.Length > 0 ? result.ErrorCode : result.ValidationCode, result.Message);
        }

        return result.ResultJson.Length == 0 ? null : JsonNode.Parse(result.ResultJson);
    }

    public static string FormatPageToken(AccessRequestRecord last) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(FormattableString.Invariant($"{last.RequestedAt.ToUnixTimeMilliseconds()}|{last.RequestId}")))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static (DateTimeOffset, string) ParsePageToken(string token)
    {
        try
        {
            var base64 = token.Replace('-', '+').Replace('_', '/');
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=')));
            var parts = text.Split('|');
            if (parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && parts[1].StartsWith("req_", StringComparison.Ordinal))
            {
                return (DateTimeOffset.FromUnixTimeMilliseconds(ms), parts[1]);
            }
        }
        catch (Exception ex) when (ex is FormatException or ArgumentOutOfRangeException)
        {
        }

        throw new RpcException(new Status(StatusCode.InvalidArgument, "page_token is not one this service issued; start again with an empty page_token."));
    }
}

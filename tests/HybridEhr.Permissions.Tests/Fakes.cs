using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using HybridEhr.Clients.Devnet;
using HybridEhr.Permissions.Chain;
using HybridEhr.Permissions.Domain;

namespace HybridEhr.Permissions.Tests;

public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}

public static class Accounts
{
    public static string Of(string name) => "0x" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)));

    public static readonly string Alice = Of("alice");
    public static readonly string Bob = Of("bob");
    public static readonly string DrSmith = Of("drsmith");
    public static readonly string DrJones = Of("drjones");
}

/// <summary>Builds chain events as the access_control contract emits them, one transaction per block.</summary>
public sealed class EventFactory(ManualClock clock)
{
    private long _block;

    public long LastBlock => _block;

    public IReadOnlyList<PermissionChainEvent> Transaction(params (string Name, JsonObject Payload)[] events)
    {
        _block++;
        var txId = "tx" + _block.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return [.. events.Select(e => new PermissionChainEvent(_block, 0, txId, clock.Now.ToUnixTimeMilliseconds(), e.Name, e.Payload.ToJsonString()))];
    }

    public PermissionChainEvent Requested(string patient, string doctor) =>
        Transaction((ChainEventNames.AccessRequested, new JsonObject { ["patient"] = patient, ["doctor"] = doctor }))[0];

    public IReadOnlyList<PermissionChainEvent> Approved(string patient, string doctor, DateTimeOffset? expiresAt = null) => Transaction(
        (ChainEventNames.AccessApproved, new JsonObject { ["patient"] = patient, ["doctor"] = doctor, ["expires_at"] = expiresAt?.ToUnixTimeMilliseconds() }),
        (ChainEventNames.PermissionGranted, new JsonObject { ["patient"] = patient, ["grantee"] = doctor, ["expires_at"] = expiresAt?.ToUnixTimeMilliseconds() }));

    public PermissionChainEvent Denied(string patient, string doctor) =>
        Transaction((ChainEventNames.AccessDenied, new JsonObject { ["patient"] = patient, ["doctor"] = doctor }))[0];

    public PermissionChainEvent Granted(string patient, string doctor, DateTimeOffset? expiresAt = null) =>
        Transaction((ChainEventNames.PermissionGranted, new JsonObject { ["patient"] = patient, ["grantee"] = doctor, ["expires_at"] = expiresAt?.ToUnixTimeMilliseconds() }))[0];

    public PermissionChainEvent Revoked(string patient, string doctor, bool wasLive = true) =>
        Transaction((ChainEventNames.PermissionRevoked, new JsonObject { ["patient"] = patient, ["grantee"] = doctor, ["was_live"] = wasLive }))[0];
}

/// <summary>
/// A small stand-in for the access_control contract: enough rules to drive the commands (roles, requests, grants,
/// revokes), events as the contract emits them, and a way to force any refusal.
/// </summary>
public sealed class FakeChain(ManualClock clock) : IPermissionChain
{
    private readonly Dictionary<string, string> _roles = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string), string> _requests = new();
    private readonly Dictionary<(string, string), (long GrantedAt, long? ExpiresAt)> _grants = new();
    private readonly List<string> _blockFunctions = [];
    private long _height;

    public List<(string Signer, string Function, JsonObject Args)> Submitted { get; } = [];

    /// <summary>When set, the next submission is refused with this contract error code.</summary>
    public string? NextContractError { get; set; }

    public long Height => _height;

    public FakeChain WithPatient(string account)
    {
        _roles[account] = "patient";
        return this;
    }

    public FakeChain WithDoctor(string account)
    {
        _roles[account] = "doctor";
        return this;
    }

    public Task<ChainSubmission> SubmitAsync(ITransactionSigner signer, string function, JsonObject args, CancellationToken cancellationToken)
    {
        Submitted.Add((signer.AccountId, function, (JsonObject)args.DeepClone()));
        var now = clock.Now.ToUnixTimeMilliseconds();
        var txId = "tx" + (_height + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (NextContractError is { } code)
        {
            NextContractError = null;
            return Task.FromResult(new ChainSubmission(txId, ChainSubmission.ContractError, code, "refused", 0, 0, string.Empty, []));
        }

        var caller = signer.AccountId;
        List<(string Name, JsonObject Payload)> events = [];
        string result = "null";
        switch (function)
        {
            case "request_access":
            {
                var patient = args["patient"]!.GetValue<string>();
                if (_roles.GetValueOrDefault(caller) != "doctor")
                {
                    return Refused(txId, "NOT_DOCTOR");
                }

                if (!_roles.ContainsKey(patient))
                {
                    return Refused(txId, "USER_NOT_FOUND");
                }

                if (IsLive(patient, caller, now))
                {
                    return Refused(txId, "ALREADY_GRANTED");
                }

                if (_requests.GetValueOrDefault((patient, caller)) != "pending")
                {
                    _requests[(patient, caller)] = "pending";
                    events.Add(("AccessRequested", new JsonObject { ["patient"] = patient, ["doctor"] = caller }));
                }

                break;
            }

            case "approve_access" or "deny_access":
            {
                var doctor = args["doctor"]!.GetValue<string>();
                if (_requests.GetValueOrDefault((caller, doctor)) is not { } status)
                {
                    return Refused(txId, "REQUEST_NOT_FOUND");
                }

                if (status != "pending")
                {
                    return Refused(txId, "REQUEST_NOT_PENDING");
                }

                if (function == "deny_access")
                {
                    _requests[(caller, doctor)] = "denied";
                    events.Add(("AccessDenied", new JsonObject { ["patient"] = caller, ["doctor"] = doctor }));
                    break;
                }

                _requests[(caller, doctor)] = "approved";
                var expiresAt = args["expires_at"]?.GetValue<long>();
                events.Add(("AccessApproved", new JsonObject { ["patient"] = caller, ["doctor"] = doctor, ["expires_at"] = expiresAt }));
                Grant(caller, doctor, expiresAt, now, events);
                break;
            }

            case "grant_permission":
            {
                var grantee = args["grantee"]!.GetValue<string>();
                if (_roles.GetValueOrDefault(caller) != "patient")
                {
                    return Refused(txId, "NOT_PATIENT");
                }

                if (_roles.GetValueOrDefault(grantee) is not { } role)
                {
                    return Refused(txId, "USER_NOT_FOUND");
                }

                if (role != "doctor")
                {
                    return Refused(txId, "TARGET_NOT_DOCTOR");
                }

                Grant(caller, grantee, args["expires_at"]?.GetValue<long>(), now, events);
                break;
            }

            case "revoke_permission":
            {
                var grantee = args["grantee"]!.GetValue<string>();
                if (_grants.Remove((caller, grantee), out var grant))
                {
                    events.Add(("PermissionRevoked", new JsonObject
                    {
                        ["patient"] = caller,
                        ["grantee"] = grantee,
                        ["was_live"] = grant.ExpiresAt is not { } e || now < e,
                    }));
                    result = "true";
                }
                else
                {
                    result = "false";
                }

                break;
            }

            default:
                return Refused(txId, "UNKNOWN_FUNCTION");
        }

        _height++;
        _blockFunctions.Add(function);
        return Task.FromResult(new ChainSubmission(txId, ChainSubmission.Valid, string.Empty, string.Empty, _height, now, result,
            [.. events.Select(e => new PermissionChainEvent(_height, 0, txId, now, e.Name, e.Payload.ToJsonString()))]));
    }

    public Task<ChainQueryResult> QueryAsync(string callerAccount, string function, JsonObject args, CancellationToken cancellationToken)
    {
        var now = clock.Now.ToUnixTimeMilliseconds();
        var patient = args["patient"]!.GetValue<string>();
        return Task.FromResult(function switch
        {
            "has_permission" => new ChainQueryResult(ChainSubmission.Valid, string.Empty, string.Empty,
                IsLive(patient, args["grantee"]!.GetValue<string>(), now) ? "true" : "false"),
            "get_grantees" => new ChainQueryResult(ChainSubmission.Valid, string.Empty, string.Empty, new JsonArray(
                [.. _grants.Where(g => g.Key.Item1 == patient && IsLive(patient, g.Key.Item2, now))
                    .Select(g => (JsonNode)new JsonObject { ["grantee"] = g.Key.Item2, ["granted_at"] = g.Value.GrantedAt, ["expires_at"] = g.Value.ExpiresAt })]).ToJsonString()),
            _ => new ChainQueryResult("CONTRACT_ERROR", "UNKNOWN_FUNCTION", "unknown", string.Empty),
        });
    }

    public Task<long> GetHeightAsync(CancellationToken cancellationToken) => Task.FromResult(_height);

    public Task<IReadOnlyList<ChainTransactionSummary>> GetBlockTransactionsAsync(long height, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ChainTransactionSummary>>(
            [new ChainTransactionSummary("tx" + height.ToString(System.Globalization.CultureInfo.InvariantCulture), DevnetPermissionChain.Contract, _blockFunctions[(int)height - 1], ChainSubmission.Valid)]);

    private bool IsLive(string patient, string doctor, long now) =>
        _grants.TryGetValue((patient, doctor), out var grant) && (grant.ExpiresAt is not { } e || now < e);

    private void Grant(string patient, string doctor, long? expiresAt, long now, List<(string, JsonObject)> events)
    {
        if (IsLive(patient, doctor, now) && _grants[(patient, doctor)].ExpiresAt == expiresAt)
        {
            return;
        }

        _grants[(patient, doctor)] = (now, expiresAt);
        events.Add(("PermissionGranted", new JsonObject { ["patient"] = patient, ["grantee"] = doctor, ["expires_at"] = expiresAt }));
    }

    private static Task<ChainSubmission> Refused(string txId, string code) =>
        Task.FromResult(new ChainSubmission(txId, ChainSubmission.ContractError, code, "refused by the fake contract", 0, 0, string.Empty, []));
}

public sealed class FakeSigners : ITransactionSignerFactory
{
    public ITransactionSigner ForAccount(string accountId) => new FakeSigner(accountId);

    private sealed class FakeSigner(string accountId) : ITransactionSigner
    {
        public string AccountId => accountId;

        public byte[] PublicKey => AccountIds.PublicKey(accountId);

        public ValueTask<byte[]> SignAsync(byte[] payload, CancellationToken cancellationToken) => ValueTask.FromResult(new byte[64]);
    }
}

using System.Text.Json.Nodes;
using HybridEhr.Devnet.Contracts.Common;
using HybridEhr.Devnet.Ledger;

namespace HybridEhr.Devnet.Contracts.AccessControl;

/// <summary>
/// The permission chain's contract: accounts, roles, access requests and view permissions. It mirrors the ink!
/// contract; chaincode/spec/README.md is the reference for functions, arguments, results and error codes.
/// </summary>
public sealed class AccessControlContract : IContract
{
    public const string ContractName = "access_control";

    private static readonly Dictionary<string, bool> FunctionIsQuery = new(StringComparer.Ordinal)
    {
        ["init"] = false,
        ["get_registrar"] = true,
        ["attest_doctor"] = false,
        ["get_attestation"] = true,
        ["add_user"] = false,
        ["assign_role"] = false,
        ["user_exists"] = true,
        ["user_role"] = true,
        ["get_role"] = true,
        ["get_user"] = true,
        ["grant_permission"] = false,
        ["revoke_permission"] = false,
        ["has_permission"] = true,
        ["get_grantees"] = true,
        ["request_access"] = false,
        ["approve_access"] = false,
        ["deny_access"] = false,
        ["list_requests"] = true,
    };

    public static IReadOnlyCollection<string> Functions => FunctionIsQuery.Keys;

    public string Name => ContractName;

    public bool IsQuery(string function) => FunctionIsQuery.TryGetValue(function, out var isQuery) && isQuery;

    public JsonNode? Invoke(IContractContext context, string function, JsonObject args)
    {
        if (!Identifiers.IsAccountId(context.Caller.AccountId))
        {
            throw ContractArgs.Invalid("the caller's account id is ill-formed");
        }

        var users = new UserDirectory(context);
        var grants = new GrantBook(context);
        var requests = new AccessRequestBook(context, grants);

        switch (function)
        {
            case "init":
            {
                var a = ContractArgs.Accepting(args, "registrar");
                return ContractJson.ToNode(users.Initialize(a.Account("registrar")));
            }

            case "get_registrar":
                ContractArgs.Accepting(args);
                return users.Registrar is { } registrar ? JsonValue.Create(registrar) : null;

            case "attest_doctor":
            {
                var a = ContractArgs.Accepting(args, "document_id_hash", "organization");
                return ContractJson.ToNode(users.AttestDoctor(a.Sha256("document_id_hash"), a.Organization("organization")));
            }

            case "get_attestation":
            {
                var a = ContractArgs.Accepting(args, "document_id_hash");
                return ContractJson.ToNode(users.FindAttestation(a.Sha256("document_id_hash")));
            }

            case "add_user":
            {
                var a = ContractArgs.Accepting(args, "document_id_hash", "role");
                var documentIdHash = a.Sha256("document_id_hash");
                var role = a.OptionalOneOf("role", Roles.Patient, Roles.Doctor) ?? Roles.Patient;
                return ContractJson.ToNode(users.AddUser(documentIdHash, role));
            }

            case "assign_role":
            {
                var a = ContractArgs.Accepting(args, "role");
                var role = a.OneOf("role", Roles.Patient, Roles.Doctor);
                var caller = context.Caller.AccountId;
                var footprint = grants.HasAnyGrant(caller) || requests.HasAnyRequest(caller);
                return ContractJson.ToNode(users.AssignRole(role, footprint));
            }

            case "user_exists":
            {
                var a = ContractArgs.Accepting(args, "account");
                return JsonValue.Create(users.Find(a.Account("account")) is not null);
            }

            case "user_role":
            {
                var a = ContractArgs.Accepting(args, "account");
                return users.Find(a.Account("account")) is { } user ? JsonValue.Create(user.Role) : null;
            }

            case "get_role":
                ContractArgs.Accepting(args);
                return users.Find(context.Caller.AccountId) is { } self ? JsonValue.Create(self.Role) : null;

            case "get_user":
            {
                var a = ContractArgs.Accepting(args, "account");
                return ContractJson.ToNode(users.RequireUser(a.Account("account")));
            }

            case "grant_permission":
            {
                var a = ContractArgs.Accepting(args, "grantee", "expires_at");
                var grantee = a.Account("grantee");
                var expiresAt = a.OptionalPositiveInteger("expires_at");
                var patient = users.RequireCallerPatient();
                return ContractJson.ToNode(grants.Grant(patient.Account, users.RequireUser(grantee), expiresAt));
            }

            case "revoke_permission":
            {
                var a = ContractArgs.Accepting(args, "grantee");
                var grantee = a.Account("grantee");
                var patient = users.RequireCallerPatient();
                return JsonValue.Create(grants.Revoke(patient.Account, grantee));
            }

            case "has_permission":
            {
                var a = ContractArgs.Accepting(args, "patient", "grantee");
                return JsonValue.Create(grants.IsLive(a.Account("patient"), a.Account("grantee")));
            }

            case "get_grantees":
            {
                var a = ContractArgs.Accepting(args, "patient");
                return ContractJson.ToArray(grants.LiveGrantees(a.Account("patient")));
            }

            case "request_access":
            {
                var a = ContractArgs.Accepting(args, "patient");
                var patientAccount = a.Account("patient");
                var doctor = users.RequireCallerDoctor();
                return ContractJson.ToNode(requests.Request(doctor, users.RequireUser(patientAccount)));
            }

            case "approve_access":
            {
                var a = ContractArgs.Accepting(args, "doctor", "expires_at");
                var doctor = a.Account("doctor");
                var expiresAt = a.OptionalPositiveInteger("expires_at");
                var patient = users.RequireCallerPatient();
                return ContractJson.ToNode(requests.Approve(patient.Account, doctor, expiresAt, users));
            }

            case "deny_access":
            {
                var a = ContractArgs.Accepting(args, "doctor");
                var doctor = a.Account("doctor");
                var patient = users.RequireCallerPatient();
                return ContractJson.ToNode(requests.Deny(patient.Account, doctor));
            }

            case "list_requests":
                return ContractJson.ToArray(ListRequests(args, requests));

            default:
                throw new ContractException(CommonErrors.UnknownFunction, $"access_control has no function '{function}'");
        }
    }

    private static IEnumerable<AccessRequest> ListRequests(JsonObject args, AccessRequestBook requests)
    {
        var a = ContractArgs.Accepting(args, "patient", "doctor", "status");
        var patient = a.OptionalAccount("patient");
        var doctor = a.OptionalAccount("doctor");
        var status = a.OptionalOneOf("status", RequestStatus.Pending, RequestStatus.Approved, RequestStatus.Denied);
        if ((patient is null) == (doctor is null))
        {
            throw ContractArgs.Invalid("give exactly one of 'patient' or 'doctor'");
        }

        var found = patient is not null ? requests.ListOfPatient(patient) : requests.ListOfDoctor(doctor!);
        return status is null ? found : found.Where(request => request.Status == status);
    }
}

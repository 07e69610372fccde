using System.Text.Json.Nodes;
using HybridEhr.Devnet.Contracts.Common;
using HybridEhr.Devnet.Ledger;

namespace HybridEhr.Devnet.Contracts.AccessControl;

/// <summary>Accounts, roles, the registrar and its doctor attestations.</summary>
internal sealed class UserDirectory(IContractContext context)
{
    private readonly TypedState state = new(context);

    private string Caller => context.Caller.AccountId;

    public RegistrarConfig Initialize(string registrar)
    {
        if (state.Exists(AccessControlKeys.Registrar()))
        {
            throw new ContractException(AccessControlErrors.AlreadyInitialized, "the registrar is already set");
        }

        var config = new RegistrarConfig(registrar, context.Timestamp);
        state.Put(AccessControlKeys.Registrar(), config);
        context.EmitEvent("Initialized", new JsonObject { ["registrar"] = registrar });
        return config;
    }

    public string? Registrar => state.Get<RegistrarConfig>(AccessControlKeys.Registrar())?.Registrar;

    public DoctorAttestation? FindAttestation(string documentIdHash) =>
        state.Get<DoctorAttestation>(AccessControlKeys.Attestation(documentIdHash));

    /// <summary>Records that a document belongs to an enrolled doctor; repeating the same statement changes nothing.</summary>
    public DoctorAttestation AttestDoctor(string documentIdHash, string organization)
    {
        var registrar = Registrar
            ?? throw new ContractException(AccessControlErrors.NotInitialized, "no registrar has been set (call init)");
        if (Caller != registrar)
        {
            throw new ContractException(AccessControlErrors.NotRegistrar, "only the registrar attests doctors");
        }

        var existing = FindAttestation(documentIdHash);
        if (existing is not null && existing.Organization == organization)
        {
            return existing;
        }

        var attestation = new DoctorAttestation(documentIdHash, organization, Caller, context.Timestamp);
        state.Put(AccessControlKeys.Attestation(documentIdHash), attestation);
        context.EmitEvent("DoctorAttested", new JsonObject
        {
            ["document_id_hash"] = documentIdHash,
            ["organization"] = organization,
            ["attested_by"] = Caller,
        });
        return attestation;
    }

    public UserAccount? Find(string account) => state.Get<UserAccount>(AccessControlKeys.User(account));

    public UserAccount RequireUser(string account) =>
        Find(account) ?? throw new ContractException(AccessControlErrors.UserNotFound, $"account {account} is not registered");

    public UserAccount RequireCaller() =>
        Find(Caller) ?? throw new ContractException(AccessControlErrors.CallerNotRegistered, "the caller's account is not registered");

    public UserAccount RequireCallerPatient()
    {
        var user = RequireCaller();
        return user.Role == Roles.Patient
            ? user
            : throw new ContractException(AccessControlErrors.NotPatient, "only a patient may do this, for their own records");
    }

    public UserAccount RequireCallerDoctor()
    {
        var user = RequireCaller();
        return user.Role == Roles.Doctor
            ? user
            : throw new ContractException(AccessControlErrors.NotDoctor, "only a doctor may do this");
    }

    /// <summary>Registers the caller's own account; the doctor role needs the registrar's attestation of the document.</summary>
    public UserAccount AddUser(string documentIdHash, string role)
    {
        if (Find(Caller) is not null)
        {
            throw new ContractException(AccessControlErrors.AlreadyRegistered, "the caller's account is already registered");
        }

        if (role == Roles.Doctor)
        {
            RequireAttestation(documentIdHash);
        }

        RequireFreeSlot(documentIdHash, role);
        var user = new UserAccount(Caller, role, documentIdHash, context.Timestamp);
        state.Put(AccessControlKeys.User(Caller), user);
        state.Put(AccessControlKeys.RoleSlot(documentIdHash, role), new RoleSlot(Caller));
        context.EmitEvent("UserAdded", new JsonObject
        {
            ["account"] = Caller,
            ["role"] = role,
            ["document_id_hash"] = documentIdHash,
        });
        return user;
    }

    /// <summary>
    /// Changes the caller's own role. Only patient → doctor exists (the paper's "ask for the doctor role"), and only for
    /// an account that has no patient footprint, so no grant or request is ever left owned by a doctor account.
    /// </summary>
    public UserAccount AssignRole(string role, bool hasPatientFootprint)
    {
        var user = RequireCaller();
        if (user.Role == role)
        {
            return user;
        }

        if (role != Roles.Doctor)
        {
            throw new ContractException(AccessControlErrors.RoleChangeNotAllowed, "a doctor account cannot become a patient account");
        }

        RequireAttestation(user.DocumentIdHash);
        if (hasPatientFootprint)
        {
            throw new ContractException(
                AccessControlErrors.RoleChangeNotAllowed,
                "this account has grants or requests as a patient; register a separate doctor account");
        }

        RequireFreeSlot(user.DocumentIdHash, role);
        var updated = user with { Role = role };
        state.Delete(AccessControlKeys.RoleSlot(user.DocumentIdHash, user.Role));
        state.Put(AccessControlKeys.RoleSlot(user.DocumentIdHash, role), new RoleSlot(Caller));
        state.Put(AccessControlKeys.User(Caller), updated);
        context.EmitEvent("RoleAssigned", new JsonObject
        {
            ["account"] = Caller,
            ["role"] = role,
            ["previous_role"] = user.Role,
        });
        return updated;
    }

    private void RequireAttestation(string documentIdHash)
    {
        if (FindAttestation(documentIdHash) is null)
        {
            throw new ContractException(
                AccessControlErrors.DoctorNotAttested,
                "the registrar has not attested this document as a doctor enrolled in an organisation");
        }
    }

    private void RequireFreeSlot(string documentIdHash, string role)
    {
        if (state.Exists(AccessControlKeys.RoleSlot(documentIdHash, role)))
        {
            throw new ContractException(
                AccessControlErrors.RoleAccountExists,
                $"this identity document already has a {role} account");
        }
    }
}

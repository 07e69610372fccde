using System.Text.Json.Nodes;
using HybridEhr.Devnet.Contracts.Common;
using HybridEhr.Devnet.Ledger;

namespace HybridEhr.Devnet.Contracts.Records;

/// <summary>Organisations of the private chain, their enrolled doctors, and who the caller is among them.</summary>
internal sealed class Membership(IContractContext context)
{
    private readonly TypedState state = new(context);

    private string? CallerRole => context.Caller.Attributes.GetValueOrDefault(MemberAttributes.Role);

    public Organization Register(string organizationId, string? name)
    {
        if (CallerRole != MemberAttributes.NetworkAdminRole)
        {
            throw new ContractException(RecordsErrors.NotNetworkAdmin, "only a network admin registers organisations");
        }

        if (state.Exists(RecordsKeys.Organization(organizationId)))
        {
            throw new ContractException(RecordsErrors.OrganizationExists, $"organisation {organizationId} is already registered");
        }

        var organization = new Organization(organizationId, name, context.Caller.AccountId, context.Timestamp);
        state.Put(RecordsKeys.Organization(organizationId), organization);
        context.EmitEvent("OrganizationRegistered", new JsonObject { ["organization_id"] = organizationId, ["name"] = name });
        return organization;
    }

    public Organization RequireOrganization(string organizationId) =>
        state.Get<Organization>(RecordsKeys.Organization(organizationId))
        ?? throw new ContractException(RecordsErrors.OrganizationNotFound, $"organisation {organizationId} is not registered");

    public IEnumerable<Organization> ListOrganizations() => state.Scan<Organization>(RecordsKeys.AllOrganizations());

    public DoctorEnrollment? FindDoctor(string documentIdHash) =>
        state.Get<DoctorEnrollment>(RecordsKeys.Doctor(documentIdHash));

    /// <summary>Enrols a doctor in the caller's own organisation; enrolling the same doctor again changes nothing.</summary>
    public DoctorEnrollment Enroll(string documentIdHash)
    {
        var organizationId = context.Caller.Organization;
        if (CallerRole != MemberAttributes.OrganizationAdminRole || organizationId is null)
        {
            throw new ContractException(RecordsErrors.NotOrganizationAdmin, "only an organisation's admin enrols its doctors");
        }

        RequireOrganization(organizationId);
        var existing = FindDoctor(documentIdHash);
        if (existing is not null)
        {
            return existing.Organization == organizationId
                ? existing
                : throw new ContractException(
                    RecordsErrors.DoctorEnrolledElsewhere,
                    $"this doctor is enrolled in {existing.Organization}");
        }

        var enrollment = new DoctorEnrollment(documentIdHash, organizationId, context.Caller.AccountId, context.Timestamp);
        state.Put(RecordsKeys.Doctor(documentIdHash), enrollment);
        context.EmitEvent("DoctorEnrolled", new JsonObject
        {
            ["document_id_hash"] = documentIdHash,
            ["organization"] = organizationId,
        });
        return enrollment;
    }

    /// <summary>The caller's organisation when the caller is a doctor enrolled there; otherwise NOT_ENROLLED_DOCTOR.</summary>
    public string RequireCallerEnrolledDoctor()
    {
        var caller = context.Caller;
        var documentIdHash = caller.Attributes.GetValueOrDefault(MemberAttributes.DocumentIdHash);
        if (CallerRole == MemberAttributes.DoctorRole && caller.Organization is { } organization
            && documentIdHash is not null && Identifiers.IsSha256Hex(documentIdHash)
            && FindDoctor(documentIdHash)?.Organization == organization)
        {
            return organization;
        }

        throw new ContractException(RecordsErrors.NotEnrolledDoctor, "only a doctor enrolled in the caller's organisation may write");
    }
}

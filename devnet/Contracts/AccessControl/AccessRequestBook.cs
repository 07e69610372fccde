using System.Text.Json.Nodes;
using HybridEhr.Devnet.Contracts.Common;
using HybridEhr.Devnet.Ledger;

namespace HybridEhr.Devnet.Contracts.AccessControl;

/// <summary>Doctors' requests to view a patient's records and the patients' decisions on them.</summary>
internal sealed class AccessRequestBook(IContractContext context, GrantBook grants)
{
    private readonly TypedState state = new(context);

    public AccessRequest? Find(string patient, string doctor) =>
        state.Get<AccessRequest>(AccessControlKeys.Request(patient, doctor));

    public bool HasAnyRequest(string patient) => state.AnyUnder(AccessControlKeys.RequestsOfPatient(patient));

    /// <summary>Asks again after a decision; asking while a request is pending returns it unchanged.</summary>
    public AccessRequest Request(UserAccount doctor, UserAccount patient)
    {
        if (patient.Role != Roles.Patient)
        {
            throw new ContractException(AccessControlErrors.TargetNotPatient, "access can only be requested to a patient account");
        }

        if (grants.IsLive(patient.Account, doctor.Account))
        {
            throw new ContractException(AccessControlErrors.AlreadyGranted, "the doctor already holds a live grant from this patient");
        }

        var existing = Find(patient.Account, doctor.Account);
        if (existing?.Status == RequestStatus.Pending)
        {
            return existing;
        }

        var request = new AccessRequest(patient.Account, doctor.Account, RequestStatus.Pending, context.Timestamp, null);
        state.Put(AccessControlKeys.Request(patient.Account, doctor.Account), request);
        state.Put(AccessControlKeys.DoctorRequest(doctor.Account, patient.Account), new DoctorRequestIndex(patient.Account));
        context.EmitEvent("AccessRequested", new JsonObject { ["patient"] = patient.Account, ["doctor"] = doctor.Account });
        return request;
    }

    public AccessRequest Approve(string patient, string doctor, long? expiresAt, UserDirectory users)
    {
        var pending = RequirePending(patient, doctor);
        grants.RequireFutureExpiry(expiresAt);
        var approved = Decide(pending, RequestStatus.Approved);
        context.EmitEvent("AccessApproved", new JsonObject
        {
            ["patient"] = patient,
            ["doctor"] = doctor,
            ["expires_at"] = expiresAt,
        });
        grants.Grant(patient, users.RequireUser(doctor), expiresAt);
        return approved;
    }

    public AccessRequest Deny(string patient, string doctor)
    {
        var denied = Decide(RequirePending(patient, doctor), RequestStatus.Denied);
        context.EmitEvent("AccessDenied", new JsonObject { ["patient"] = patient, ["doctor"] = doctor });
        return denied;
    }

    public IEnumerable<AccessRequest> ListOfPatient(string patient) =>
        state.Scan<AccessRequest>(AccessControlKeys.RequestsOfPatient(patient));

    public IEnumerable<AccessRequest> ListOfDoctor(string doctor) =>
        state.Scan<DoctorRequestIndex>(AccessControlKeys.RequestsOfDoctor(doctor))
            .Select(index => Find(index.Patient, doctor))
            .OfType<AccessRequest>();

    private AccessRequest RequirePending(string patient, string doctor)
    {
        var request = Find(patient, doctor)
            ?? throw new ContractException(AccessControlErrors.RequestNotFound, "this doctor has not requested access");
        return request.Status == RequestStatus.Pending
            ? request
            : throw new ContractException(AccessControlErrors.RequestNotPending, $"the request was already {request.Status}");
    }

    private AccessRequest Decide(AccessRequest request, string status)
    {
        var decided = request with { Status = status, DecidedAt = context.Timestamp };
        state.Put(AccessControlKeys.Request(request.Patient, request.Doctor), decided);
        return decided;
    }
}

using Grpc.Core;
namespace HybridEhr.Identity.Doctors;

/// <summary>What the private chain says about a document: a doctor of which hospital, or not a doctor.</summary>
public sealed record DoctorVerification(bool IsEnrolledDoctor, string? OrganizationMspId);

/// <summary>
/// The hospitals' side of doctor registration (FabricGateway). Implementations throw UNAVAILABLE
/// (<see cref="Grpc.Core.RpcException"/>) when it cannot be reached.
/// </summary>
public interface IDoctorRegistry
{
    Task<DoctorVerification> VerifyAsync(string documentNumber, CancellationToken cancellationToken);

    /// <summary>Makes the doctor's chain account a member of their hospital on the records chain; returns the transaction id.</summary>
    Task<string> EnrollMemberAsync(string accountId, string organizationMspId, string documentNumber, CancellationToken cancellationToken);
}

namespace HybridEhr.ImageNft.Access;

/// <summary>A doctor's live grant from a patient, as the permission chain (or Permissions' read model) knows it.</summary>
public sealed record LiveGrant(string GrantId);

/// <summary>Asks the permission side whether a doctor holds a live grant from a patient (Permissions.HasPermission).</summary>
public interface IGrantChecker
{
    /// <summary>The live grant, or null when there is none.</summary>
    Task<LiveGrant?> FindLiveGrantAsync(string patientAccountId, string doctorAccountId, CancellationToken cancellationToken);
}

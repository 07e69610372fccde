namespace HybridEhr.Records.Access;

/// <summary>The permission chain's answer (through Permissions): does this doctor hold a live grant from this patient?</summary>
public interface IPermissionChecker
{
    /// <param name="strict">Ask the chain itself rather than the event-fed read model (writes do: no staleness window after a revoke).</param>
    Task<GrantCheck> CheckAsync(string patientAccountId, string doctorAccountId, bool strict, CancellationToken cancellationToken);
}

/// <param name="GrantId">The live grant behind a yes; null otherwise.</param>
public sealed record GrantCheck(bool Granted, string? GrantId);

/// <summary>Accounts as Identity knows them: used only to tell "no such patient" from "no grant".</summary>
public interface IAccountDirectory
{
    Task<bool> IsPatientAsync(string accountId, CancellationToken cancellationToken);
}

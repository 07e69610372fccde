using HybridEhr.Contracts.Identity.V1;
using HybridEhr.Contracts.Permissions.V1;
using Grpc.Core;
using IdentityApi = HybridEhr.Contracts.Identity.V1.Identity;
using PermissionsApi = HybridEhr.Contracts.Permissions.V1.Permissions;

namespace HybridEhr.Records.Access;

/// <summary>Permissions.HasPermission through a client that forwards the caller's token (the doctor asks about themselves).</summary>
public sealed class PermissionsClient(PermissionsApi.PermissionsClient permissions) : IPermissionChecker
{
    public async Task<GrantCheck> CheckAsync(string patientAccountId, string doctorAccountId, bool strict, CancellationToken cancellationToken)
    {
        var request = new HasPermissionRequest
        {
            PatientAccountId = patientAccountId,
            DoctorAccountId = doctorAccountId,
            Consistency = strict ? ReadConsistency.Chain : ReadConsistency.ReadModel,
        };
        HasPermissionResponse response;
        try
        {
            response = await permissions.HasPermissionAsync(request, new CallOptions(deadline: DateTime.UtcNow.Add(TimeSpan.FromSeconds(10)), cancellationToken: cancellationToken)).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.Status.StatusCode is not (StatusCode.InvalidArgument or StatusCode.Unauthenticated))
        {
            // Without an answer from the permission chain nobody is let in.
            throw new RpcException(new Status(StatusCode.Unavailable, $"Cannot check permissions right now ({ex.Status.StatusCode}: {ex.Status.Detail}); retry shortly."));
        }

        return new GrantCheck(response.HasPermission, response.HasPermission ? NullIfEmpty(response.Grant?.GrantId) : null);
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}

/// <summary>Identity.GetRole through a forwarding client.</summary>
public sealed class IdentityAccountDirectory(IdentityApi.IdentityClient identity) : IAccountDirectory
{
    public async Task<bool> IsPatientAsync(string accountId, CancellationToken cancellationToken)
    {
        try
        {
            var response = await identity.GetRoleAsync(new GetRoleRequest { AccountId = accountId },
                new CallOptions(deadline: DateTime.UtcNow.Add(TimeSpan.FromSeconds(10)), cancellationToken: cancellationToken)).ResponseAsync.ConfigureAwait(false);
            return response.Role == Contracts.Common.V1.Role.Patient;
        }
        catch (RpcException ex)
        {
            // Only "no such account" means no patient; any other failure must not turn a refusal into NOT_FOUND.
            return ex.Status.StatusCode != StatusCode.NotFound;
        }
    }
}

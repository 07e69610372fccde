using HybridEhr.Contracts.Identity.V1;
using HybridEhr.Contracts.Permissions.V1;
using HybridEhr.Grpc.Client;

namespace HybridEhr.Records.Access;

/// <summary>Permissions.HasPermission over a channel that forwards the caller's token (the doctor asks about themselves).</summary>
public sealed class PermissionsClient(GrpcChannel channel) : GrpcClient(channel), IPermissionChecker
{
    private static readonly Method<HasPermissionRequest, HasPermissionResponse> HasPermissionMethod =
        Method<HasPermissionRequest, HasPermissionResponse>.Create(PermissionsReflection.Descriptor.Services[0], "HasPermission");

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
            response = await Channel.Unary(HasPermissionMethod, request, CallOptions.WithTimeout(TimeSpan.FromSeconds(10), cancellationToken)).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.Status.StatusCode is not (StatusCode.InvalidArgument or StatusCode.Unauthenticated))
        {
            // Without an answer from the permission chain nobody is let in.
            throw new RpcException(StatusCode.Unavailable, $"Cannot check permissions right now ({ex.Status.StatusCode}: {ex.Status.Detail}); retry shortly.");
        }

        return new GrantCheck(response.HasPermission, response.HasPermission ? NullIfEmpty(response.Grant?.GrantId) : null);
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}

/// <summary>Identity.GetRole over a forwarding channel.</summary>
public sealed class IdentityAccountDirectory(GrpcChannel channel) : GrpcClient(channel), IAccountDirectory
{
    private static readonly Method<GetRoleRequest, GetRoleResponse> GetRoleMethod =
        Method<GetRoleRequest, GetRoleResponse>.Create(IdentityReflection.Descriptor.Services[0], "GetRole");

    public async Task<bool> IsPatientAsync(string accountId, CancellationToken cancellationToken)
    {
        try
        {
            var response = await Channel.Unary(GetRoleMethod, new GetRoleRequest { AccountId = accountId },
                CallOptions.WithTimeout(TimeSpan.FromSeconds(10), cancellationToken)).ResponseAsync.ConfigureAwait(false);
            return response.Role == Contracts.Common.V1.Role.Patient;
        }
        catch (RpcException ex)
        {
            // Only "no such account" means no patient; any other failure must not turn a refusal into NOT_FOUND.
            return ex.Status.StatusCode != StatusCode.NotFound;
        }
    }
}

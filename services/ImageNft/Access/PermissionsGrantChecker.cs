using HybridEhr.Contracts.Permissions.V1;
using HybridEhr.Grpc;
using HybridEhr.Grpc.Client;

namespace HybridEhr.ImageNft.Access;

/// <summary>Typed client of hybridehr.permissions.v1.Permissions (the one call this service makes).</summary>
public sealed class PermissionsClient(GrpcChannel channel) : GrpcClient(channel)
{
    private static readonly Method<HasPermissionRequest, HasPermissionResponse> HasPermissionMethod =
        Method<HasPermissionRequest, HasPermissionResponse>.Create(PermissionsReflection.Descriptor.Services[0], "HasPermission");

    public AsyncUnaryCall<HasPermissionResponse> HasPermission(HasPermissionRequest request, CallOptions options = default) =>
        Channel.Unary(HasPermissionMethod, request, options);
}

/// <summary>Grants as Permissions answers them, asked with the doctor's own token (they are named in the question).</summary>
public sealed class PermissionsGrantChecker(PermissionsClient permissions) : IGrantChecker
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public async Task<LiveGrant?> FindLiveGrantAsync(string patientAccountId, string doctorAccountId, CancellationToken cancellationToken)
    {
        HasPermissionResponse answer;
        try
        {
            answer = await permissions.HasPermission(
                new HasPermissionRequest { PatientAccountId = patientAccountId, DoctorAccountId = doctorAccountId },
                CallOptions.WithTimeout(Timeout, cancellationToken)).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException error) when (error.StatusCode is StatusCode.InvalidArgument or StatusCode.PermissionDenied or StatusCode.Unauthenticated)
        {
            throw new RpcException(error.StatusCode, $"Permissions refused the access check: {error.Status.Detail}");
        }
        catch (RpcException error)
        {
            // Without an answer nobody gets in: the check fails closed.
            throw new RpcException(StatusCode.Unavailable, $"Cannot check your access right now (Permissions: {error.Status.Detail}); try again.");
        }

        return answer.HasPermission ? new LiveGrant(answer.Grant?.GrantId ?? "") : null;
    }
}

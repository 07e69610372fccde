using HybridEhr.Contracts.Permissions.V1;
using Grpc.Core;
using PermissionsApi = HybridEhr.Contracts.Permissions.V1.Permissions;

namespace HybridEhr.ImageNft.Access;

/// <summary>Grants as Permissions answers them, asked with the doctor's own token (they are named in the question).</summary>
public sealed class PermissionsGrantChecker(PermissionsApi.PermissionsClient permissions) : IGrantChecker
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public async Task<LiveGrant?> FindLiveGrantAsync(string patientAccountId, string doctorAccountId, CancellationToken cancellationToken)
    {
        HasPermissionResponse answer;
        try
        {
            answer = await permissions.HasPermissionAsync(
                new HasPermissionRequest { PatientAccountId = patientAccountId, DoctorAccountId = doctorAccountId },
                new CallOptions(deadline: DateTime.UtcNow.Add(Timeout), cancellationToken: cancellationToken)).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException error) when (error.StatusCode is StatusCode.InvalidArgument or StatusCode.PermissionDenied or StatusCode.Unauthenticated)
        {
            throw new RpcException(new Status(error.StatusCode, $"Permissions refused the access check: {error.Status.Detail}"));
        }
        catch (RpcException error)
        {
            // Without an answer nobody gets in: the check fails closed.
            throw new RpcException(new Status(StatusCode.Unavailable, $"Cannot check your access right now (Permissions: {error.Status.Detail}); try again."));
        }

        return answer.HasPermission ? new LiveGrant(answer.Grant?.GrantId ?? "") : null;
    }
}

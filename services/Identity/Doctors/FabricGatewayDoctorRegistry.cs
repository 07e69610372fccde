using HybridEhr.Contracts.FabricGateway.V1;
using Grpc.Core;
using FabricGatewayApi = HybridEhr.Contracts.FabricGateway.V1.FabricGateway;
using HybridEhr.ServiceDefaults.Writes;

namespace HybridEhr.Identity.Doctors;

/// <summary>
/// <see cref="IDoctorRegistry"/> over FabricGateway (service "fabricgateway"). Every call carries Identity's own
/// service token, whoever the current caller is: the gateway serves services only.
/// </summary>
public sealed class FabricGatewayDoctorRegistry(FabricGatewayApi.FabricGatewayClient gateway) : IDoctorRegistry
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public async Task<DoctorVerification> VerifyAsync(string documentNumber, CancellationToken cancellationToken)
    {
        var response = await Call(() => gateway.VerifyDoctorAsync(new VerifyDoctorRequest { IdentityDocumentNumber = documentNumber },
            new CallOptions(deadline: DateTime.UtcNow.Add(Timeout), cancellationToken: cancellationToken)).ResponseAsync).ConfigureAwait(false);
        return new DoctorVerification(response.IsEnrolledDoctor, response.IsEnrolledDoctor ? response.OrganisationMspId : null);
    }

    public async Task<string> EnrollMemberAsync(string accountId, string organizationMspId, string documentNumber, CancellationToken cancellationToken)
    {
        var response = await Call(() => gateway.EnrollMemberAsync(
            new EnrollMemberRequest { AccountId = accountId, OrganisationMspId = organizationMspId, IdentityDocumentNumber = documentNumber },
            new CallOptions(deadline: DateTime.UtcNow.Add(Timeout), cancellationToken: cancellationToken)).ResponseAsync).ConfigureAwait(false);
        return response.TxId;
    }

    private static async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Unimplemented)
        {
            // Said as it is: only a refused connection proves EnrollMember never reached the chain.
            throw new RpcException(new Status(StatusCode.Unavailable, WriteFailure.Explain(ex, "FabricGateway", ex.Status.Detail)));
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.PermissionDenied or StatusCode.Unauthenticated)
        {
            // Identity's own token was refused: a configuration fault between services, not the user's.
            throw new InvalidOperationException($"FabricGateway refused Identity's service token: {ex.Status}");
        }
        catch (InvalidOperationException ex) when (ex.Message.StartsWith("No address", StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"FabricGateway is not configured: {ex.Message}"));
        }
    }
}

using HybridEhr.Contracts.FabricGateway.V1;
using HybridEhr.Grpc;
using HybridEhr.Grpc.Client;
using HybridEhr.ServiceDefaults.Writes;

namespace HybridEhr.Identity.Doctors;

/// <summary>Typed client of the FabricGateway calls Identity makes.</summary>
public sealed class FabricGatewayClient(GrpcChannel channel) : GrpcClient(channel)
{
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor Service = FabricGatewayReflection.Descriptor.Services[0];
    private static readonly Method<VerifyDoctorRequest, VerifyDoctorResponse> VerifyDoctorMethod = Method<VerifyDoctorRequest, VerifyDoctorResponse>.Create(Service, "VerifyDoctor");
    private static readonly Method<EnrollMemberRequest, EnrollMemberResponse> EnrollMemberMethod = Method<EnrollMemberRequest, EnrollMemberResponse>.Create(Service, "EnrollMember");

    public AsyncUnaryCall<VerifyDoctorResponse> VerifyDoctor(VerifyDoctorRequest request, CallOptions options = default) => Channel.Unary(VerifyDoctorMethod, request, options);

    public AsyncUnaryCall<EnrollMemberResponse> EnrollMember(EnrollMemberRequest request, CallOptions options = default) => Channel.Unary(EnrollMemberMethod, request, options);
}

/// <summary>
/// <see cref="IDoctorRegistry"/> over FabricGateway ("Services:fabricgateway"). Every call carries Identity's own
/// service token, whoever the current caller is: the gateway serves services only.
/// </summary>
public sealed class FabricGatewayDoctorRegistry(Func<FabricGatewayClient> clientFactory) : IDoctorRegistry
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly Lazy<FabricGatewayClient> _client = new(clientFactory);

    public async Task<DoctorVerification> VerifyAsync(string documentNumber, CancellationToken cancellationToken)
    {
        var response = await Call(() => _client.Value.VerifyDoctor(new VerifyDoctorRequest { IdentityDocumentNumber = documentNumber },
            CallOptions.WithTimeout(Timeout, cancellationToken)).ResponseAsync).ConfigureAwait(false);
        return new DoctorVerification(response.IsEnrolledDoctor, response.IsEnrolledDoctor ? response.OrganisationMspId : null);
    }

    public async Task<string> EnrollMemberAsync(string accountId, string organizationMspId, string documentNumber, CancellationToken cancellationToken)
    {
        var response = await Call(() => _client.Value.EnrollMember(
            new EnrollMemberRequest { AccountId = accountId, OrganisationMspId = organizationMspId, IdentityDocumentNumber = documentNumber },
            CallOptions.WithTimeout(Timeout, cancellationToken)).ResponseAsync).ConfigureAwait(false);
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
            throw new RpcException(StatusCode.Unavailable, WriteFailure.Explain(ex, "FabricGateway", ex.Status.Detail));
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.PermissionDenied or StatusCode.Unauthenticated)
        {
            // Identity's own token was refused: a configuration fault between services, not the user's.
            throw new InvalidOperationException($"FabricGateway refused Identity's service token: {ex.Status}");
        }
        catch (InvalidOperationException ex) when (ex.Message.StartsWith("No address", StringComparison.Ordinal))
        {
            throw new RpcException(StatusCode.Unavailable, $"FabricGateway is not configured: {ex.Message}");
        }
    }
}

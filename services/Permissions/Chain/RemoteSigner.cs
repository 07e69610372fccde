using Google.Protobuf;
using HybridEhr.Clients.Devnet;
using HybridEhr.Contracts.Identity.V1;
using HybridEhr.Grpc;
using HybridEhr.Grpc.Client;
using HybridEhr.Permissions.Domain;

namespace HybridEhr.Permissions.Chain;

/// <summary>Typed client of Identity's SignTransaction (over a channel that forwards the current user's token).</summary>
public sealed class IdentitySigningClient(GrpcChannel channel) : GrpcClient(channel)
{
    private static readonly Method<SignTransactionRequest, SignTransactionResponse> SignTransactionMethod =
        Method<SignTransactionRequest, SignTransactionResponse>.Create(IdentityReflection.Descriptor.Services[0], "SignTransaction");

    public AsyncUnaryCall<SignTransactionResponse> SignTransaction(SignTransactionRequest request, CallOptions options = default) =>
        Channel.Unary(SignTransactionMethod, request, options);
}

/// <summary>Identity refused or failed to sign; carries the status the caller of this service should see.</summary>
public sealed class SignatureRefusedException(RpcException status) : Exception(status.Message)
{
    public RpcException Status { get; } = status;
}

/// <summary>
/// Signs with the custodial key Identity keeps for the user of the current request: the user's own token is
/// forwarded, so Identity signs only for that user. The account id is the public key, so no call is needed for it.
/// </summary>
public sealed class RemoteSigner(IdentitySigningClient identity, string accountId) : ITransactionSigner
{
    public string AccountId => accountId;

    public byte[] PublicKey { get; } = AccountIds.PublicKey(accountId);

    public async ValueTask<byte[]> SignAsync(byte[] payload, CancellationToken cancellationToken)
    {
        SignTransactionResponse response;
        try
        {
            response = await identity.SignTransaction(new SignTransactionRequest { Payload = ByteString.CopyFrom(payload) },
                CallOptions.WithTimeout(TimeSpan.FromSeconds(10), cancellationToken)).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SignatureRefusedException(ex.StatusCode switch
            {
                StatusCode.Unauthenticated => new RpcException(StatusCode.Unauthenticated, "Identity did not accept your token for signing; sign in again."),
                StatusCode.NotFound => new RpcException(StatusCode.FailedPrecondition, "Your account has no chain key in Identity, so nothing can be signed for it."),
                StatusCode.InvalidArgument or StatusCode.PermissionDenied =>
                    new RpcException(StatusCode.PermissionDenied, $"Identity refused to sign this transaction for your account: {ex.Status.Detail}"),
                _ => new RpcException(StatusCode.Unavailable, "Identity cannot sign the transaction right now; try again shortly."),
            });
        }

        if (response.AccountId != accountId)
        {
            throw new SignatureRefusedException(new RpcException(StatusCode.PermissionDenied,
                "Identity signed for another account than the one making this request; the transaction was not sent."));
        }

        return response.Signature.ToByteArray();
    }
}

/// <summary>Remote signers for the user being served (the channel forwards their token).</summary>
public sealed class RemoteSignerFactory(IdentitySigningClient identity) : ITransactionSignerFactory
{
    public ITransactionSigner ForAccount(string accountId) => new RemoteSigner(identity, accountId);
}

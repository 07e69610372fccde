using Google.Protobuf;
using HybridEhr.Contracts.Identity.V1;
using Grpc.Core;
using IdentityApi = HybridEhr.Contracts.Identity.V1.Identity;

namespace HybridEhr.Clients.Devnet;

/// <summary>
/// Signs with the custodial key Identity keeps for the authenticated user (Identity.SignTransaction). The channel
/// must carry that user's own token, so a service can only ever obtain the signature of the user it serves. The
/// account id is the public key, so no call is needed for it. <paramref name="format"/> says what the payloads are
/// (devnet transactions by default; Substrate extrinsic payloads, passed whole, for a Substrate permission chain).
/// </summary>
public sealed class IdentityTransactionSigner(IdentityApi.IdentityClient identity, string accountId, PayloadFormat format = PayloadFormat.DevnetTransaction)
    : ITransactionSigner
{
    public string AccountId => accountId;

    public byte[] PublicKey { get; } = HybridEhr.Devnet.Ledger.AccountIds.TryParse(accountId, out var key)
        ? key
        : throw new ArgumentException($"'{accountId}' is not a chain account id.", nameof(accountId));

    /// <exception cref="SignatureRefusedException">Identity refused or could not sign; carries the status to answer with.</exception>
    public async ValueTask<byte[]> SignAsync(byte[] payload, CancellationToken cancellationToken)
    {
        SignTransactionResponse response;
        try
        {
            response = await identity.SignTransactionAsync(new SignTransactionRequest { Payload = ByteString.CopyFrom(payload), Format = format },
                new CallOptions(deadline: DateTime.UtcNow.Add(TimeSpan.FromSeconds(10)), cancellationToken: cancellationToken)).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SignatureRefusedException(ex.StatusCode switch
            {
                StatusCode.Unauthenticated => new RpcException(new Status(StatusCode.Unauthenticated, "Identity did not accept your token for signing; sign in again.")),
                StatusCode.NotFound => new RpcException(new Status(StatusCode.FailedPrecondition, "Your account has no chain key in Identity, so nothing can be signed for it.")),
                StatusCode.FailedPrecondition => new RpcException(new Status(StatusCode.FailedPrecondition, $"Identity cannot sign for this chain: {ex.Status.Detail}")),
                StatusCode.InvalidArgument or StatusCode.PermissionDenied =>
                    new RpcException(new Status(StatusCode.PermissionDenied, $"Identity refused to sign this transaction for your account: {ex.Status.Detail}")),
                _ => new RpcException(new Status(StatusCode.Unavailable, "Identity cannot sign the transaction right now; try again shortly.")),
            });
        }

        if (response.AccountId != accountId)
        {
            throw new SignatureRefusedException(new RpcException(new Status(StatusCode.PermissionDenied,
                "Identity signed for another account than the one making this request; the transaction was not sent.")));
        }

        return response.Signature.ToByteArray();
    }
}

/// <summary>
/// Identity refused or failed to sign. A separate type, so that callers tell it apart from a failure of the chain
/// they were submitting to (both would otherwise be RpcExceptions); <see cref="Status"/> is what to answer with.
/// </summary>
public sealed class SignatureRefusedException(RpcException status) : Exception(status.Message)
{
    public RpcException Status { get; } = status;
}

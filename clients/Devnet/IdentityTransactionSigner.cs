using Google.Protobuf;
using HybridEhr.Contracts.Identity.V1;
using HybridEhr.Grpc.Client;

namespace HybridEhr.Clients.Devnet;

/// <summary>
/// Signs with the custodial key Identity keeps for the authenticated user (Identity.SignTransaction). The channel
/// must carry that user's own token, so a service can only ever obtain the signature of the user it serves.
/// </summary>
public sealed class IdentityTransactionSigner(GrpcChannel identity, string accountId) : ITransactionSigner
{
    private static readonly Method<SignTransactionRequest, SignTransactionResponse> SignMethod =
        Method<SignTransactionRequest, SignTransactionResponse>.Create(IdentityReflection.Descriptor.Services[0], "SignTransaction");

    public string AccountId => accountId;

    public byte[] PublicKey { get; } = HybridEhr.Devnet.Ledger.AccountIds.TryParse(accountId, out var key)
        ? key
        : throw new ArgumentException($"'{accountId}' is not a chain account id.", nameof(accountId));

    public async ValueTask<byte[]> SignAsync(byte[] payload, CancellationToken cancellationToken)
    {
        var response = await identity.Unary(SignMethod, new SignTransactionRequest { Payload = ByteString.CopyFrom(payload) },
            CallOptions.WithTimeout(TimeSpan.FromSeconds(10), cancellationToken)).ResponseAsync.ConfigureAwait(false);
        return response.Signature.ToByteArray();
    }
}

using HybridEhr.Clients.Devnet;
using HybridEhr.Contracts.Identity.V1;
using HybridEhr.Grpc.Client;

namespace HybridEhr.Permissions.Chain;

/// <summary>
/// Remote signers for the user being served (the channel forwards their token), asking Identity to sign payloads of
/// the permission chain's <paramref name="format"/>.
/// </summary>
public sealed class RemoteSignerFactory(IdentityChannel identity, PayloadFormat format = PayloadFormat.DevnetTransaction) : ITransactionSignerFactory
{
    public ITransactionSigner ForAccount(string accountId) => new IdentityTransactionSigner(identity.Channel, accountId, format);
}

/// <summary>The channel to Identity; it forwards the current caller's token.</summary>
public sealed record IdentityChannel(GrpcChannel Channel);

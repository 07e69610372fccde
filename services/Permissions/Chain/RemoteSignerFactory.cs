using HybridEhr.Clients.Devnet;
using HybridEhr.Grpc.Client;

namespace HybridEhr.Permissions.Chain;

/// <summary>Remote signers for the user being served (the channel forwards their token).</summary>
public sealed class RemoteSignerFactory(IdentityChannel identity) : ITransactionSignerFactory
{
    public ITransactionSigner ForAccount(string accountId) => new IdentityTransactionSigner(identity.Channel, accountId);
}

/// <summary>The channel to Identity; it forwards the current caller's token.</summary>
public sealed record IdentityChannel(GrpcChannel Channel);

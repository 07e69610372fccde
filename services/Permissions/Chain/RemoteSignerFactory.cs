using HybridEhr.Clients.Devnet;
using HybridEhr.Contracts.Identity.V1;
using IdentityApi = HybridEhr.Contracts.Identity.V1.Identity;

namespace HybridEhr.Permissions.Chain;

/// <summary>
/// Remote signers for the user being served (the client forwards their token), asking Identity to sign payloads of
/// the permission chain's <paramref name="format"/>.
/// </summary>
public sealed class RemoteSignerFactory(IdentityApi.IdentityClient identity, PayloadFormat format = PayloadFormat.DevnetTransaction) : ITransactionSignerFactory
{
    public ITransactionSigner ForAccount(string accountId) => new IdentityTransactionSigner(identity, accountId, format);
}


using System.Security.Cryptography;
using HybridEhr.Grpc.Client;
using HybridEhr.Security;

namespace HybridEhr.Records.Access;

/// <summary>
/// Identity's token-signing keys, with Identity's address read on the first token to check rather than at start-up,
/// so the service starts and answers health checks before its dependencies are wired (as the start-up test runs it).
/// </summary>
public sealed class DeferredIdentityKeys(IConfiguration configuration, TimeProvider time) : IAccessTokenKeySource
{
    private readonly Lazy<IdentitySigningKeys> _keys = new(() =>
        new IdentitySigningKeys(GrpcChannel.ForAddress(configuration.GetServiceAddress("identity")), time));

    public ValueTask<ECDsa?> FindAsync(string keyId, CancellationToken cancellationToken) => _keys.Value.FindAsync(keyId, cancellationToken);
}

using System.Security.Cryptography;
using HybridEhr.Security;

namespace HybridEhr.Identity.Tokens;

/// <summary>Issues access tokens for accounts and Identity's own service token, signed with <see cref="TokenSigningKey"/>.</summary>
public sealed class TokenIssuer(TokenSigningKey key, TimeProvider time, TimeSpan accessTokenLifetime, TimeSpan serviceTokenLifetime)
{
    public const string ServiceSubject = "service:identity";

    private readonly Lock _serviceTokenLock = new();
    private (string Token, DateTimeOffset ExpiresAt)? _serviceToken;

    public TimeSpan AccessTokenLifetime => accessTokenLifetime;

    public (string Token, AccessTokenClaims Claims) IssueAccessToken(string accountId, string role, string? organization)
    {
        var now = time.GetUtcNow();
        var claims = new AccessTokenClaims(accountId, role, role == Roles.Doctor ? organization : null, now, now + accessTokenLifetime,
            Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
        return (AccessTokens.Issue(key.PrivateKey, key.KeyId, claims), claims);
    }

    /// <summary>Identity's token for its own calls (sub "service:identity", role "service"), renewed at half its life.</summary>
    public string ServiceToken()
    {
        var now = time.GetUtcNow();
        lock (_serviceTokenLock)
        {
            if (_serviceToken is { } current && now < current.ExpiresAt - (serviceTokenLifetime / 2))
            {
                return current.Token;
            }

            var claims = new AccessTokenClaims(ServiceSubject, Roles.Service, null, now, now + serviceTokenLifetime,
                Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
            var token = AccessTokens.Issue(key.PrivateKey, key.KeyId, claims);
            _serviceToken = (token, claims.ExpiresAt);
            return token;
        }
    }
}

/// <summary>Identity validates tokens with its own key instead of asking itself over the network.</summary>
public sealed class OwnSigningKeySource(TokenSigningKey key) : IAccessTokenKeySource
{
    public ECDsa? Find(string keyId) => keyId == key.KeyId ? key.PublicKey : null;
}

using System.Security.Claims;
using System.Security.Cryptography;
using Grpc.Core;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace HybridEhr.Security;

/// <summary>Role names carried in access tokens (the chain's roles, plus "service" for a service acting for itself).</summary>
public static class Roles
{
    public const string Patient = "patient";
    public const string Doctor = "doctor";
    public const string Service = "service";
}

/// <summary>What an access token says about its bearer.</summary>
/// <param name="Subject">The chain account id ("0x" + 64 hex digits), or "service:&lt;name&gt;" for a service token.</param>
/// <param name="Organization">A doctor's hospital (MSP id); null otherwise.</param>
public sealed record AccessTokenClaims(
    string Subject, string Role, string? Organization, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, string TokenId)
{
    public const string SubjectClaim = "sub";
    public const string RoleClaim = "role";
    public const string OrganizationClaim = "org";
    public const string TokenIdClaim = "jti";

    /// <summary>The claims of a principal that JwtBearer validated (inbound claim mapping off, so the JWT names stay).</summary>
    public static AccessTokenClaims? From(ClaimsPrincipal principal)
    {
        var subject = principal.FindFirstValue(SubjectClaim);
        var role = principal.FindFirstValue(RoleClaim);
        return subject is null || role is null
            ? null
            : new AccessTokenClaims(subject, role, principal.FindFirstValue(OrganizationClaim),
                UnixTime(principal.FindFirstValue("iat")), UnixTime(principal.FindFirstValue("exp")), principal.FindFirstValue(TokenIdClaim) ?? "");
    }

    private static DateTimeOffset UnixTime(string? value) =>
        long.TryParse(value, out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : DateTimeOffset.MinValue;
}

/// <summary>
/// Access tokens are JWTs signed with ES256 (ECDSA P-256, SHA-256), made and checked by Microsoft.IdentityModel's
/// JsonWebTokenHandler: Identity alone holds the private key; services check with JwtBearer against Identity's JWKS.
/// </summary>
public static class AccessTokens
{
    public const string Algorithm = SecurityAlgorithms.EcdsaSha256;
    public const string Issuer = "hybridehr-identity";
    public const string Audience = "hybridehr";

    /// <summary>Clocks of different services may differ a little; tokens are short-lived, so the allowance is small.</summary>
    public static readonly TimeSpan DefaultClockSkew = TimeSpan.FromSeconds(30);

    private static readonly JsonWebTokenHandler Handler = new() { MapInboundClaims = false, SetDefaultTimesOnTokenCreation = false };

    public static string Issue(ECDsa key, string keyId, AccessTokenClaims claims)
    {
        var payload = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            [AccessTokenClaims.SubjectClaim] = claims.Subject,
            [AccessTokenClaims.RoleClaim] = claims.Role,
            [AccessTokenClaims.TokenIdClaim] = claims.TokenId,
        };
        if (claims.Organization is not null)
        {
            payload[AccessTokenClaims.OrganizationClaim] = claims.Organization;
        }

        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = claims.IssuedAt.UtcDateTime,
            NotBefore = claims.IssuedAt.UtcDateTime,
            Expires = claims.ExpiresAt.UtcDateTime,
            Claims = payload,
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(key) { KeyId = keyId }, Algorithm),
        });
    }

    /// <summary>The key id a token names in its header, or null for something that is not an ES256 JWT.</summary>
    public static string? ReadKeyId(string token)
    {
        if (!Handler.CanReadToken(token))
        {
            return null;
        }

        try
        {
            var jwt = Handler.ReadJsonWebToken(token);
            return jwt.Alg == Algorithm ? jwt.Kid : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// What every validator of our tokens checks: issuer, audience, ES256 only, signed, and its lifetime against
    /// <paramref name="time"/> with <paramref name="clockSkew"/>. The signing key comes from the caller (a fixed key,
    /// a resolver, or JwtBearer's JWKS configuration).
    /// </summary>
    public static TokenValidationParameters ValidationParameters(TimeProvider time, TimeSpan clockSkew) => new()
    {
        ValidIssuer = Issuer,
        ValidAudience = Audience,
        ValidAlgorithms = [Algorithm],
        ValidTypes = ["JWT"],
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ClockSkew = clockSkew,
        NameClaimType = AccessTokenClaims.SubjectClaim,
        RoleClaimType = AccessTokenClaims.RoleClaim,
        // Our own check against the injected clock, so a service's clock in tests is the one tokens expire by.
        LifetimeValidator = (notBefore, expires, _, parameters) =>
        {
            var now = time.GetUtcNow().UtcDateTime;
            if (expires is { } end && now > end + parameters.ClockSkew)
            {
                throw new SecurityTokenExpiredException("expired") { Expires = end };
            }

            if (notBefore is { } start && start > now + parameters.ClockSkew)
            {
                throw new SecurityTokenNotYetValidException("not yet valid") { NotBefore = start };
            }

            return expires is not null;
        },
    };

    /// <summary>Checks signature, issuer, audience and lifetime; throws UNAUTHENTICATED with the reason otherwise.</summary>
    public static AccessTokenClaims Validate(string token, ECDsa publicKey, DateTimeOffset now, TimeSpan? clockSkew = null)
    {
        var parameters = ValidationParameters(new FixedTime(now), clockSkew ?? DefaultClockSkew);
        // The caller says this is the key: name it as the token does, so a mismatch is a bad signature, not an unknown key.
        parameters.IssuerSigningKey = new ECDsaSecurityKey(publicKey) { KeyId = ReadKeyId(token) };
        var result = Handler.ValidateTokenAsync(token, parameters).GetAwaiter().GetResult();
        if (!result.IsValid)
        {
            throw Unauthenticated(Explain(result.Exception));
        }

        return AccessTokenClaims.From(new ClaimsPrincipal(result.ClaimsIdentity))
            ?? throw Unauthenticated("The access token lacks required claims.");
    }

    /// <summary>Why a token was refused, in words for the person who sent it (never the token itself).</summary>
    public static string Explain(Exception? failure) => failure switch
    {
        null => "This call needs an access token: send 'authorization: Bearer <token>' (see Identity/Login).",
        SecurityTokenExpiredException => "The access token has expired; log in again.",
        SecurityTokenNotYetValidException => "The access token is not valid yet.",
        SecurityTokenSignatureKeyNotFoundException => "The access token was signed by an unknown key.",
        SecurityTokenInvalidSignatureException => "The access token's signature is not valid.",
        SecurityTokenInvalidIssuerException or SecurityTokenInvalidAudienceException => "The access token was not issued for this system.",
        SecurityTokenInvalidAlgorithmException or SecurityTokenInvalidTypeException => "The access token is not an ES256 JWT of this system.",
        SecurityTokenMalformedException or ArgumentException => "The access token is malformed.",
        SecurityTokenNoExpirationException => "The access token lacks required claims.",
        InvalidOperationException => "Cannot check the access token: Identity's signing keys (its JWKS) cannot be fetched.",
        _ => "The access token is not valid.",
    };

    internal static RpcException Unauthenticated(string message) => new(new Status(StatusCode.Unauthenticated, message));

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

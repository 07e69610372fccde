using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Grpc.Core;

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
    string Subject, string Role, string? Organization, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, string TokenId);

/// <summary>
/// Compact JWS access tokens signed with ES256 (ECDSA P-256, SHA-256; the signature is the raw r‖s, as RFC 7518
/// says). Only Identity holds the private key; every service validates with the public key.
/// </summary>
public static class AccessTokens
{
    public const string Algorithm = "ES256";
    public const string Issuer = "hybridehr-identity";
    public const string Audience = "hybridehr";

    /// <summary>Clocks of different services may differ a little; tokens are short-lived, so the allowance is small.</summary>
    public static readonly TimeSpan DefaultClockSkew = TimeSpan.FromSeconds(30);

    public static string Issue(ECDsa key, string keyId, AccessTokenClaims claims)
    {
        var header = new JsonObject { ["alg"] = Algorithm, ["typ"] = "JWT", ["kid"] = keyId };
        var payload = new JsonObject
        {
            ["iss"] = Issuer,
            ["aud"] = Audience,
            ["sub"] = claims.Subject,
            ["role"] = claims.Role,
            ["iat"] = claims.IssuedAt.ToUnixTimeSeconds(),
            ["exp"] = claims.ExpiresAt.ToUnixTimeSeconds(),
            ["jti"] = claims.TokenId,
        };
        if (claims.Organization is not null)
        {
            payload["org"] = claims.Organization;
        }

        var signingInput = Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Base64Url(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        byte[] signature;
        // One key serves every login at once, and .NET promises no thread safety for an ECDsa instance's members.
        lock (key)
        {
            signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        return signingInput + "." + Base64Url(signature);
    }

    /// <summary>The key id a token names in its header, or null for something that is not a token of ours.</summary>
    public static string? ReadKeyId(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            var header = JsonNode.Parse(FromBase64Url(parts[0])) as JsonObject;
            return header?["alg"]?.GetValue<string>() == Algorithm ? header["kid"]?.GetValue<string>() : null;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Checks signature, issuer, audience and lifetime; throws UNAUTHENTICATED with the reason otherwise.</summary>
    public static AccessTokenClaims Validate(string token, ECDsa publicKey, DateTimeOffset now, TimeSpan? clockSkew = null)
    {
        var skew = clockSkew ?? DefaultClockSkew;
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            throw Unauthenticated("The access token is malformed.");
        }

        byte[] signature;
        JsonObject payload;
        try
        {
            signature = FromBase64Url(parts[2]);
            payload = JsonNode.Parse(FromBase64Url(parts[1])) as JsonObject ?? throw new FormatException();
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            throw Unauthenticated("The access token is malformed.");
        }

        bool valid;
        lock (publicKey) // shared by every call this service receives; see Issue
        {
            valid = publicKey.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature, HashAlgorithmName.SHA256,
                DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }

        if (!valid)
        {
            throw Unauthenticated("The access token's signature is not valid.");
        }

        try
        {
            if (payload["iss"]?.GetValue<string>() != Issuer || payload["aud"]?.GetValue<string>() != Audience)
            {
                throw Unauthenticated("The access token was not issued for this system.");
            }

            var claims = new AccessTokenClaims(
                payload["sub"]!.GetValue<string>(),
                payload["role"]!.GetValue<string>(),
                payload["org"]?.GetValue<string>(),
                DateTimeOffset.FromUnixTimeSeconds(payload["iat"]!.GetValue<long>()),
                DateTimeOffset.FromUnixTimeSeconds(payload["exp"]!.GetValue<long>()),
                payload["jti"]?.GetValue<string>() ?? "");
            if (now > claims.ExpiresAt + skew)
            {
                throw Unauthenticated("The access token has expired; log in again.");
            }

            if (claims.IssuedAt > now + skew)
            {
                throw Unauthenticated("The access token is not valid yet.");
            }

            return claims;
        }
        catch (Exception ex) when (ex is NullReferenceException or InvalidOperationException or FormatException)
        {
            throw Unauthenticated("The access token lacks required claims.");
        }
    }

    internal static RpcException Unauthenticated(string message) => new(new Status(StatusCode.Unauthenticated, message));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var base64 = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '='));
    }
}

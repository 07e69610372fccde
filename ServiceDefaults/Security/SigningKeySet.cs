using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace HybridEhr.Security;

/// <summary>
/// Identity's public token keys as a JSON Web Key Set (RFC 7517; EC keys as RFC 7518 §6.2 says), which Identity serves
/// at <see cref="Path"/> and every other service reads through JwtBearer.
/// </summary>
public static class SigningKeySet
{
    public const string Path = "/.well-known/jwks.json";

    /// <summary>The JWKS document of <paramref name="keys"/> (public parts only).</summary>
    public static string ToJson(IEnumerable<(string KeyId, ECDsa Key)> keys)
    {
        var array = new JsonArray();
        foreach (var (keyId, key) in keys)
        {
            var parameters = key.ExportParameters(includePrivateParameters: false);
            array.Add(new JsonObject
            {
                ["kty"] = "EC",
                ["crv"] = "P-256",
                ["x"] = Base64UrlEncoder.Encode(parameters.Q.X),
                ["y"] = Base64UrlEncoder.Encode(parameters.Q.Y),
                ["kid"] = keyId,
                ["use"] = "sig",
                ["alg"] = AccessTokens.Algorithm,
            });
        }

        return new JsonObject { ["keys"] = array }.ToJsonString();
    }

    /// <summary>
    /// Reads a bare JWKS (not an OpenID discovery document) into the configuration JwtBearer asks its
    /// ConfigurationManager for; the manager caches it and fetches again when a token names an unknown key.
    /// </summary>
    public sealed class Retriever : IConfigurationRetriever<OpenIdConnectConfiguration>
    {
        public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(string address, IDocumentRetriever retriever, CancellationToken cancel)
        {
            var document = await retriever.GetDocumentAsync(address, cancel).ConfigureAwait(false);
            var keySet = new JsonWebKeySet(document);
            var configuration = new OpenIdConnectConfiguration { Issuer = AccessTokens.Issuer, JsonWebKeySet = keySet };
            foreach (var key in keySet.GetSigningKeys())
            {
                configuration.SigningKeys.Add(key);
            }

            return configuration;
        }
    }
}

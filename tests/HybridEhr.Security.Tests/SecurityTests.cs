using System.Security.Cryptography;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Xunit;

namespace HybridEhr.Security.Tests;

public sealed class SecurityTests : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;

    public void Dispose() => _key.Dispose();

    [Fact]
    public async Task A_token_checks_out_against_the_published_key_set_read_by_identity_model()
    {
        var token = AccessTokens.Issue(_key, "es256-test", Claims(Roles.Doctor, "HospitalAMSP"));

        // The JWKS as Identity serves it, read back by Microsoft.IdentityModel as JwtBearer does.
        var keySet = new JsonWebKeySet(SigningKeySet.ToJson([("es256-test", _key)]));
        var parameters = AccessTokens.ValidationParameters(TimeProvider.System, AccessTokens.DefaultClockSkew);
        parameters.IssuerSigningKeys = keySet.GetSigningKeys();
        var result = await new JsonWebTokenHandler { MapInboundClaims = false }.ValidateTokenAsync(token, parameters);

        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal("es256-test", Assert.Single(keySet.Keys).Kid);
        Assert.Null(Assert.Single(keySet.Keys).D); // public part only
        Assert.Equal("doctor", result.Claims[AccessTokenClaims.RoleClaim]);
        Assert.Equal("HospitalAMSP", result.Claims[AccessTokenClaims.OrganizationClaim]);
    }

    [Fact]
    public void Refusals_say_why_in_words()
    {
        var token = AccessTokens.Issue(_key, "k", Claims(Roles.Patient));

        var expired = Assert.Throws<RpcException>(() => AccessTokens.Validate(token, _key, _now.AddHours(1)));
        Assert.Equal(StatusCode.Unauthenticated, expired.StatusCode);
        Assert.Contains("expired; log in again", expired.Status.Detail, StringComparison.Ordinal);

        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Contains("signature is not valid", Assert.Throws<RpcException>(() => AccessTokens.Validate(token, other, _now)).Status.Detail, StringComparison.Ordinal);
        var parts = token.Split('.');
        var forged = Base64UrlEncoder.Encode(Base64UrlEncoder.Decode(parts[1]).Replace("\"patient\"", "\"doctor\"", StringComparison.Ordinal));
        Assert.Contains("signature is not valid",
            Assert.Throws<RpcException>(() => AccessTokens.Validate($"{parts[0]}.{forged}.{parts[2]}", _key, _now)).Status.Detail, StringComparison.Ordinal);
        Assert.Contains("malformed", Assert.Throws<RpcException>(() => AccessTokens.Validate("not-a-token", _key, _now)).Status.Detail, StringComparison.Ordinal);
        Assert.Contains("needs an access token", AccessTokens.Explain(null), StringComparison.Ordinal);
        Assert.Contains("JWKS", AccessTokens.Explain(new InvalidOperationException("IDX20803")), StringComparison.Ordinal);
    }

    [Fact]
    public void A_token_of_another_issuer_is_refused()
    {
        var foreign = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "someone-else", Audience = AccessTokens.Audience, IssuedAt = _now.UtcDateTime, NotBefore = _now.UtcDateTime,
            Expires = _now.AddMinutes(5).UtcDateTime, Claims = new Dictionary<string, object> { ["sub"] = "x", ["role"] = Roles.Patient },
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(_key) { KeyId = "k" }, AccessTokens.Algorithm),
        });

        var error = Assert.Throws<RpcException>(() => AccessTokens.Validate(foreign, _key, _now));
        Assert.Contains("not issued for this system", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_unary_call_without_a_deadline_gets_the_default_and_one_with_a_deadline_keeps_it()
    {
        var seen = new List<DateTime?>();
        var method = new Method<string, string>(MethodType.Unary, "svc", "m", Marshallers.StringMarshaller, Marshallers.StringMarshaller);
        Interceptor interceptor = new DefaultDeadlineInterceptor();
        AsyncUnaryCall<string> Continue(string request, ClientInterceptorContext<string, string> context)
        {
            seen.Add(context.Options.Deadline);
            return new AsyncUnaryCall<string>(Task.FromResult(""), Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
        }

        var before = DateTime.UtcNow;
        interceptor.AsyncUnaryCall("x", new ClientInterceptorContext<string, string>(method, null, new CallOptions()), Continue);
        var mine = DateTime.UtcNow.AddSeconds(3);
        interceptor.AsyncUnaryCall("x", new ClientInterceptorContext<string, string>(method, null, new CallOptions(deadline: mine)), Continue);

        Assert.InRange(seen[0]!.Value, before + DefaultDeadlineInterceptor.Default, DateTime.UtcNow + DefaultDeadlineInterceptor.Default);
        Assert.Equal(mine, seen[1]);
    }

    private AccessTokenClaims Claims(string role, string? organization = null) =>
        new("0x" + new string('a', 64), role, organization, _now, _now.AddMinutes(15), "jti-1");
}

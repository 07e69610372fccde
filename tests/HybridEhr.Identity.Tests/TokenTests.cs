using Grpc.Core;
using HybridEhr.Identity.Crypto;
using HybridEhr.Identity.Tokens;
using HybridEhr.Security;

namespace HybridEhr.Identity.Tests;

public sealed class TokenTests : IDisposable
{
    private const string Account = "0x1111111111111111111111111111111111111111111111111111111111111111";
    private readonly TempDirectory _directory = new();
    private readonly ManualTime _time = new(new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero));
    private readonly KeyEncryptionKey _kek = new(IdentityWorld.MasterKey);
    private readonly TokenSigningKey _key;
    private readonly TokenIssuer _issuer;

    public TokenTests()
    {
        _key = TokenSigningKey.LoadOrCreate(_directory.Path, _kek, _time);
        _issuer = new TokenIssuer(_key, _time, TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(5));
    }

    public void Dispose()
    {
        _key.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public void An_issued_token_validates_with_the_published_public_key()
    {
        var (token, _) = _issuer.IssueAccessToken(Account, Roles.Doctor, "HospitalAMSP");

        var claims = AccessTokens.Validate(token, PublishedKey(), _time.Now);

        Assert.Equal(Account, claims.Subject);
        Assert.Equal(Roles.Doctor, claims.Role);
        Assert.Equal("HospitalAMSP", claims.Organization);
        Assert.Equal(_time.Now.AddMinutes(15).ToUnixTimeSeconds(), claims.ExpiresAt.ToUnixTimeSeconds());
        Assert.Equal(_key.KeyId, AccessTokens.ReadKeyId(token));
    }

    [Fact]
    public void A_patient_token_carries_no_organisation()
    {
        var (token, _) = _issuer.IssueAccessToken(Account, Roles.Patient, "HospitalAMSP");

        Assert.Null(AccessTokens.Validate(token, PublishedKey(), _time.Now).Organization);
    }

    [Fact]
    public void An_expired_token_is_refused()
    {
        var (token, _) = _issuer.IssueAccessToken(Account, Roles.Patient, null);

        var error = Assert.Throws<RpcException>(() => AccessTokens.Validate(token, PublishedKey(), _time.Now.AddMinutes(16)));
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Contains("expired", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_token_whose_claims_were_changed_is_refused()
    {
        var (token, _) = _issuer.IssueAccessToken(Account, Roles.Patient, null);
        var parts = token.Split('.');
        var payload = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(Pad(parts[1])));
        var forged = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(payload.Replace("\"patient\"", "\"doctor\"", StringComparison.Ordinal)))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

        var error = Assert.Throws<RpcException>(() => AccessTokens.Validate($"{parts[0]}.{forged}.{parts[2]}", PublishedKey(), _time.Now));
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public void A_token_signed_by_another_key_is_refused()
    {
        using var otherDirectory = new TempDirectory();
        using var otherKey = TokenSigningKey.LoadOrCreate(otherDirectory.Path, _kek, _time);
        var (token, _) = new TokenIssuer(otherKey, _time, TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(5)).IssueAccessToken(Account, Roles.Patient, null);

        Assert.NotEqual(_key.KeyId, otherKey.KeyId);
        Assert.Throws<RpcException>(() => AccessTokens.Validate(token, PublishedKey(), _time.Now));
    }

    [Fact]
    public void The_own_key_source_knows_only_its_own_key_id()
    {
        var source = new OwnSigningKeySource(_key);

        Assert.NotNull(source.Find(_key.KeyId));
        Assert.Null(source.Find("es256-0000000000000000"));
    }

    [Fact]
    public void The_signing_key_survives_a_restart_and_is_stored_sealed()
    {
        using var reopened = TokenSigningKey.LoadOrCreate(_directory.Path, _kek, _time);

        Assert.Equal(_key.KeyId, reopened.KeyId);
        Assert.Equal(_key.SubjectPublicKeyInfo, reopened.SubjectPublicKeyInfo);
        var (token, _) = new TokenIssuer(reopened, _time, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)).IssueAccessToken(Account, Roles.Patient, null);
        AccessTokens.Validate(token, PublishedKey(), _time.Now);
        var stored = File.ReadAllText(Path.Combine(_directory.Path, "token-signing-key.json"));
        Assert.DoesNotContain("PRIVATE", stored, StringComparison.Ordinal);
    }

    [Fact]
    public void The_signing_key_cannot_be_opened_under_another_master_key()
    {
        var error = Assert.Throws<RpcException>(() => TokenSigningKey.LoadOrCreate(_directory.Path, new KeyEncryptionKey(new byte[32]), _time));
        Assert.Equal(StatusCode.DataLoss, error.StatusCode);
    }

    [Fact]
    public void The_service_token_names_identity_as_a_service_and_is_reused_until_half_its_life()
    {
        var first = _issuer.ServiceToken();
        var claims = AccessTokens.Validate(first, PublishedKey(), _time.Now);
        Assert.Equal("service:identity", claims.Subject);
        Assert.Equal(Roles.Service, claims.Role);

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(first, _issuer.ServiceToken());
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.NotEqual(first, _issuer.ServiceToken());
    }

    private System.Security.Cryptography.ECDsa PublishedKey()
    {
        var key = System.Security.Cryptography.ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(_key.SubjectPublicKeyInfo, out _);
        return key;
    }

    private static string Pad(string base64Url)
    {
        var base64 = base64Url.Replace('-', '+').Replace('_', '/');
        return base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
    }
}

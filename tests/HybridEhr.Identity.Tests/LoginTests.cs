using Grpc.Core;
using HybridEhr.Identity.Accounts;
using HybridEhr.Identity.Login;
using HybridEhr.Security;

namespace HybridEhr.Identity.Tests;

public sealed class LoginTests : IDisposable
{
    private readonly IdentityWorld _world = new();

    public void Dispose() => _world.Dispose();

    [Fact]
    public async Task The_right_password_gives_a_token_for_the_account_by_id_or_by_document_and_role()
    {
        var account = await _world.RegisterAsync(IdentityWorld.Patient());

        var byId = _world.Authenticator.Login(new AccountSelector.ById(account.AccountId), IdentityWorld.Password);
        var byDocument = _world.Authenticator.Login(
            new AccountSelector.ByDocument(_world.Registrar.DocumentHash("ab-123456"), Roles.Patient), IdentityWorld.Password);

        Assert.Equal(account.AccountId, byId.Claims.Subject);
        Assert.Equal(account.AccountId, byDocument.Claims.Subject);
        Assert.Equal(Roles.Patient, byId.Claims.Role);
        Assert.Equal(_world.Time.Now.AddMinutes(15), byId.Claims.ExpiresAt);
        var key = System.Security.Cryptography.ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(_world.SigningKey.SubjectPublicKeyInfo, out _);
        Assert.Equal(account.AccountId, AccessTokens.Validate(byId.Token, key, _world.Time.Now).Subject);
    }

    [Fact]
    public async Task A_wrong_password_and_an_unknown_account_get_the_same_answer()
    {
        var account = await _world.RegisterAsync(IdentityWorld.Patient());

        var wrongPassword = Assert.Throws<RpcException>(() => _world.Authenticator.Login(new AccountSelector.ById(account.AccountId), "wrong password!!"));
        var unknownAccount = Assert.Throws<RpcException>(() => _world.Authenticator.Login(
            new AccountSelector.ByDocument(_world.Registrar.DocumentHash("ZZ-0000"), Roles.Patient), IdentityWorld.Password));
        var wrongRole = Assert.Throws<RpcException>(() => _world.Authenticator.Login(
            new AccountSelector.ByDocument(account.DocumentHash, Roles.Doctor), IdentityWorld.Password));

        Assert.All(new[] { wrongPassword, unknownAccount, wrongRole }, error =>
        {
            Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
            Assert.Equal(wrongPassword.Status.Detail, error.Status.Detail);
        });
    }

    [Fact]
    public async Task A_pending_account_cannot_log_in()
    {
        _world.Chain.Unavailable = true;
        await Assert.ThrowsAsync<RpcException>(() => _world.RegisterAsync(IdentityWorld.Patient()));
        var pending = Assert.Single(_world.Accounts.Pending());

        var error = Assert.Throws<RpcException>(() => _world.Authenticator.Login(new AccountSelector.ById(pending.AccountId), IdentityWorld.Password));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task Repeated_failures_are_throttled_even_for_the_right_password_until_the_window_passes()
    {
        var account = await _world.RegisterAsync(IdentityWorld.Patient());
        var selector = new AccountSelector.ById(account.AccountId);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(StatusCode.Unauthenticated, Assert.Throws<RpcException>(() => _world.Authenticator.Login(selector, "wrong password!!")).StatusCode);
        }

        var throttled = Assert.Throws<RpcException>(() => _world.Authenticator.Login(selector, IdentityWorld.Password));
        Assert.Equal(StatusCode.ResourceExhausted, throttled.StatusCode);
        Assert.Contains("900 seconds", throttled.Status.Detail, StringComparison.Ordinal);

        _world.Time.Advance(TimeSpan.FromMinutes(15));
        Assert.Equal(account.AccountId, _world.Authenticator.Login(selector, IdentityWorld.Password).Claims.Subject);
    }

    [Fact]
    public void Unknown_accounts_are_throttled_like_known_ones()
    {
        var selector = new AccountSelector.ByDocument(_world.Registrar.DocumentHash("ZZ-0000"), Roles.Patient);
        for (var i = 0; i < 3; i++)
        {
            Assert.Throws<RpcException>(() => _world.Authenticator.Login(selector, "guess number " + i));
        }

        Assert.Equal(StatusCode.ResourceExhausted, Assert.Throws<RpcException>(() => _world.Authenticator.Login(selector, "another guess")).StatusCode);
    }

    [Fact]
    public async Task A_doctor_token_names_the_hospital()
    {
        _world.Doctors.DoctorDocuments["DR-778899"] = "HospitalBMSP";
        var account = await _world.RegisterAsync(IdentityWorld.Doctor());

        var token = _world.Authenticator.Login(new AccountSelector.ById(account.AccountId), IdentityWorld.Password);

        Assert.Equal(Roles.Doctor, token.Claims.Role);
        Assert.Equal("HospitalBMSP", token.Claims.Organization);
        Assert.Equal(AccountStatus.Active, _world.Accounts.Find(account.AccountId)!.Status);
    }
}

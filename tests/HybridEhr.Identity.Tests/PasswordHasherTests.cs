using HybridEhr.Identity.Passwords;

namespace HybridEhr.Identity.Tests;

public sealed class PasswordHasherTests
{
    private readonly PasswordHasher _hasher = new(1000);

    [Fact]
    public void The_right_password_verifies_and_a_wrong_one_does_not()
    {
        var hash = _hasher.Hash("correct horse battery");

        Assert.True(PasswordHasher.Verify("correct horse battery", hash));
        Assert.False(PasswordHasher.Verify("correct horse batterY", hash));
        Assert.False(PasswordHasher.Verify("", hash));
    }

    [Fact]
    public void Each_hash_has_its_own_salt_and_stores_its_iteration_count()
    {
        var first = _hasher.Hash("same password!");
        var second = _hasher.Hash("same password!");

        Assert.NotEqual(first, second);
        var parts = first.Split('$');
        Assert.Equal(["pbkdf2-sha256", "1000"], parts[..2]);
        Assert.Equal(16, Convert.FromBase64String(parts[2]).Length);
        Assert.Equal(32, Convert.FromBase64String(parts[3]).Length);
    }

    [Fact]
    public void A_hash_made_with_another_iteration_count_still_verifies()
    {
        var old = new PasswordHasher(50).Hash("an older password");

        Assert.True(PasswordHasher.Verify("an older password", old));
    }

    [Fact]
    public void The_default_iteration_count_is_600000()
    {
        Assert.Equal(600_000, new IdentityOptions().PasswordIterations);
    }

    [Theory]
    [InlineData("")]
    [InlineData("pbkdf2-sha256$1000$salt")]
    [InlineData("md5$1$c2FsdA==$aGFzaA==")]
    [InlineData("pbkdf2-sha256$-5$c2FsdA==$aGFzaA==")]
    [InlineData("pbkdf2-sha256$1000$not base64$aGFzaA==")]
    public void Malformed_or_foreign_hashes_never_verify(string stored)
    {
        Assert.False(PasswordHasher.Verify("whatever password", stored));
    }

    [Fact]
    public void An_altered_hash_does_not_verify()
    {
        var hash = _hasher.Hash("correct horse battery");
        var parts = hash.Split('$');
        var digest = Convert.FromBase64String(parts[3]);
        digest[0] ^= 1;
        parts[3] = Convert.ToBase64String(digest);

        Assert.False(PasswordHasher.Verify("correct horse battery", string.Join('$', parts)));
    }
}

using Grpc.Core;
using HybridEhr.Identity.Accounts;

namespace HybridEhr.Identity.Tests;

public sealed class InputRulesTests
{
    [Theory]
    [InlineData("ab-123", "AB-123")]
    [InlineData(" 12 345 678 ", "12345678")]
    [InlineData("X1Y2", "X1Y2")]
    public void Documents_are_stored_upper_cased_without_spaces(string given, string stored)
    {
        Assert.Equal(stored, InputRules.Document(given));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("12.345.678")]
    [InlineData("ÑANDU-1234")]
    [InlineData("123456789012345678901234567890123")]
    public void Malformed_documents_are_invalid_arguments_naming_the_field(string given)
    {
        var error = Assert.Throws<RpcException>(() => InputRules.Document(given));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("identity_document_number", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("tab\tinside")]
    public void Names_must_have_content(string given)
    {
        var error = Assert.Throws<RpcException>(() => InputRules.Name(given, "first_name"));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("first_name", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_are_trimmed_and_at_most_100_characters()
    {
        Assert.Equal("José María", InputRules.Name("  José María ", "first_name"));
        Assert.Equal(100, InputRules.Name(new string('a', 100), "last_name").Length);
        Assert.Throws<RpcException>(() => InputRules.Name(new string('a', 101), "last_name"));
    }

    [Theory]
    [InlineData("Ana.Rojas@Example.ORG", "ana.rojas@example.org")]
    [InlineData("a+tag@sub.example.cl", "a+tag@sub.example.cl")]
    public void Emails_are_stored_lower_cased(string given, string stored)
    {
        Assert.Equal(stored, InputRules.Email(given));
    }

    [Theory]
    [InlineData("")]
    [InlineData("no-at-sign.example.org")]
    [InlineData("two@@example.org")]
    [InlineData("@example.org")]
    [InlineData("ana@localhost")]
    [InlineData("ana rojas@example.org")]
    [InlineData("ana@-bad-.org")]
    public void Malformed_emails_are_invalid(string given)
    {
        Assert.Equal(StatusCode.InvalidArgument, Assert.Throws<RpcException>(() => InputRules.Email(given)).StatusCode);
    }

    [Fact]
    public void Emails_longer_than_254_characters_are_invalid()
    {
        var longEmail = "a@" + string.Join('.', Enumerable.Repeat(new string('b', 60), 5)) + ".org";
        Assert.True(longEmail.Length > 254);
        Assert.Throws<RpcException>(() => InputRules.Email(longEmail));
    }

    [Fact]
    public void New_passwords_need_the_minimum_length_and_at_most_128_characters()
    {
        Assert.Equal("123456789012", InputRules.NewPassword("123456789012", 12));
        var tooShort = Assert.Throws<RpcException>(() => InputRules.NewPassword("12345678901", 12));
        Assert.Contains("12 to 128", tooShort.Status.Detail, StringComparison.Ordinal);
        Assert.Throws<RpcException>(() => InputRules.NewPassword(new string('p', 129), 12));
    }

    [Theory]
    [InlineData("")]
    [InlineData("0x1234")]
    [InlineData("0xABCDEF0000000000000000000000000000000000000000000000000000000000")]
    [InlineData("service:identity")]
    public void Account_ids_must_be_0x_and_64_lower_case_hex_digits(string given)
    {
        Assert.Equal(StatusCode.InvalidArgument, Assert.Throws<RpcException>(() => InputRules.AccountId(given)).StatusCode);
    }
}

using System.Text.RegularExpressions;
using Grpc.Core;

namespace HybridEhr.Identity.Accounts;

/// <summary>The field rules of identity.proto; each broken rule is INVALID_ARGUMENT with a message naming the field.</summary>
public static partial class InputRules
{
    public const int MaxNameLength = 100;
    public const int MaxEmailLength = 254;
    public const int MaxPasswordLength = 128;

    /// <summary>4-32 of A-Z a-z 0-9 '-', spaces ignored; returned upper-cased without spaces.</summary>
    public static string Document(string? value, string field = "identity_document_number")
    {
        var compact = new string([.. (value ?? "").Where(c => !char.IsWhiteSpace(c))]).ToUpperInvariant();
        if (compact.Length == 0)
        {
            throw Invalid($"{field} is required.");
        }

        return DocumentPattern().IsMatch(compact)
            ? compact
            : throw Invalid($"{field} must be 4 to 32 characters of letters, digits and '-'.");
    }

    /// <summary>1-100 characters, not only whitespace, no control characters; returned trimmed.</summary>
    public static string Name(string? value, string field)
    {
        var text = value ?? "";
        if (string.IsNullOrWhiteSpace(text))
        {
            throw Invalid($"{field} is required (1 to {MaxNameLength} characters, not only spaces).");
        }

        if (text.Length > MaxNameLength)
        {
            throw Invalid($"{field} is longer than {MaxNameLength} characters.");
        }

        return text.Any(char.IsControl) ? throw Invalid($"{field} contains control characters.") : text.Trim();
    }

    /// <summary>An addr-spec (local@domain.tld) of at most 254 characters; returned lower-cased.</summary>
    public static string Email(string? value)
    {
        var text = (value ?? "").Trim();
        if (text.Length == 0)
        {
            throw Invalid("email is required.");
        }

        if (text.Length > MaxEmailLength)
        {
            throw Invalid($"email is longer than {MaxEmailLength} characters.");
        }

        var at = text.LastIndexOf('@');
        return at is > 0 and <= 64 && EmailPattern().IsMatch(text)
            ? text.ToLowerInvariant()
            : throw Invalid("email is not an e-mail address (expected name@domain.example).");
    }

    public static string NewPassword(string? value, int minimumLength)
    {
        var text = value ?? "";
        if (text.Length < minimumLength || text.Length > MaxPasswordLength)
        {
            throw Invalid($"password must be {minimumLength} to {MaxPasswordLength} characters long.");
        }

        return text;
    }

    public static string LoginPassword(string? value)
    {
        var text = value ?? "";
        return text.Length is >= 1 and <= MaxPasswordLength
            ? text
            : throw Invalid($"password is required (1 to {MaxPasswordLength} characters).");
    }

    /// <summary>"0x" + 64 lower-case hex digits.</summary>
    public static string AccountId(string? value, string field = "account_id")
    {
        if (string.IsNullOrEmpty(value))
        {
            throw Invalid($"{field} is required.");
        }

        return HybridEhr.Devnet.Ledger.AccountIds.TryParse(value, out _)
            ? value
            : throw Invalid($"{field} is not an account id (\"0x\" followed by 64 lower-case hex digits).");
    }

    public static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));

    [GeneratedRegex("^[A-Z0-9-]{4,32}$", RegexOptions.CultureInvariant)]
    private static partial Regex DocumentPattern();

    [GeneratedRegex(@"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$",
        RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();
}

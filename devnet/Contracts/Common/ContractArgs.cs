using System.Text.Json;
using System.Text.Json.Nodes;
using HybridEhr.Devnet.Ledger;

namespace HybridEhr.Devnet.Contracts.Common;

/// <summary>
/// Reads and validates one call's arguments. Unknown names are refused so that a misspelt optional argument does not
/// silently change meaning; a JSON null counts as absent.
/// </summary>
public sealed class ContractArgs
{
    private readonly JsonObject args;

    private ContractArgs(JsonObject args) => this.args = args;

    public static ContractArgs Accepting(JsonObject args, params string[] allowedNames)
    {
        foreach (var name in args.Select(pair => pair.Key))
        {
            if (!allowedNames.Contains(name, StringComparer.Ordinal))
            {
                throw Invalid($"unknown argument '{name}'");
            }
        }

        return new ContractArgs(args);
    }

    public string Account(string name) => Check(RequiredString(name), name, Identifiers.IsAccountId, "an account id (0x + 64 lower-case hex digits)");

    public string Sha256(string name) => Check(RequiredString(name), name, Identifiers.IsSha256Hex, "64 lower-case hex digits");

    public string Id(string name) => Check(RequiredString(name), name, Identifiers.IsRecordOrTokenId, "an id of 1-128 characters A-Z a-z 0-9 . _ : -");

    public string Organization(string name) => Check(RequiredString(name), name, Identifiers.IsOrganizationId, "an organisation id of 1-64 characters A-Z a-z 0-9 . _ -");

    public string IpfsUri(string name) => Check(RequiredString(name), name, Identifiers.IsIpfsUri, "ipfs://<CID>");

    public string OneOf(string name, params string[] values)
    {
        var value = RequiredString(name);
        return values.Contains(value, StringComparer.Ordinal)
            ? value
            : throw Invalid($"'{name}' must be one of: {string.Join(", ", values)}");
    }

    public string? OptionalOneOf(string name, params string[] values) => IsAbsent(name) ? null : OneOf(name, values);

    public string? OptionalAccount(string name) => IsAbsent(name) ? null : Account(name);

    /// <summary>A free display text of at most <paramref name="maxLength"/> characters, no control characters.</summary>
    public string? OptionalText(string name, int maxLength)
    {
        if (IsAbsent(name))
        {
            return null;
        }

        var value = RequiredString(name);
        return value.Length <= maxLength && !value.Any(char.IsControl)
            ? value
            : throw Invalid($"'{name}' must be at most {maxLength} characters without control characters");
    }

    public long PositiveInteger(string name) => IsAbsent(name) ? throw Missing(name) : ReadPositiveInteger(name);

    public long? OptionalPositiveInteger(string name) => IsAbsent(name) ? null : ReadPositiveInteger(name);

    /// <summary>A list of distinct ids; absent means null so that callers can tell "keep" from "empty".</summary>
    public IReadOnlyList<string>? OptionalIdList(string name)
    {
        if (IsAbsent(name))
        {
            return null;
        }

        if (args[name] is not JsonArray array)
        {
            throw Invalid($"'{name}' must be an array of ids");
        }

        var ids = new List<string>(array.Count);
        foreach (var item in array)
        {
            if (item is not JsonValue value || value.GetValueKind() != JsonValueKind.String
                || !Identifiers.IsRecordOrTokenId(value.GetValue<string>()))
            {
                throw Invalid($"'{name}' must be an array of ids of 1-128 characters A-Z a-z 0-9 . _ : -");
            }

            var id = value.GetValue<string>();
            if (ids.Contains(id, StringComparer.Ordinal))
            {
                throw Invalid($"'{name}' lists '{id}' twice");
            }

            ids.Add(id);
        }

        return ids;
    }

    private bool IsAbsent(string name) => !args.TryGetPropertyValue(name, out var node) || node is null;

    private string RequiredString(string name)
    {
        if (IsAbsent(name))
        {
            throw Missing(name);
        }

        return args[name] is JsonValue value && value.GetValueKind() == JsonValueKind.String
            ? value.GetValue<string>()
            : throw Invalid($"'{name}' must be a string");
    }

    private long ReadPositiveInteger(string name)
    {
        // Integers only: a fractional or string-encoded number would be read differently by other implementations.
        return args[name] is JsonValue value && value.GetValueKind() == JsonValueKind.Number
            && value.TryGetValue<long>(out var number) && number > 0
            ? number
            : throw Invalid($"'{name}' must be a positive integer");
    }

    private static string Check(string value, string name, Func<string, bool> isValid, string shape) =>
        isValid(value) ? value : throw Invalid($"'{name}' must be {shape}");

    private static ContractException Missing(string name) => Invalid($"missing argument '{name}'");

    public static ContractException Invalid(string message) => new(CommonErrors.InvalidArgument, message);
}

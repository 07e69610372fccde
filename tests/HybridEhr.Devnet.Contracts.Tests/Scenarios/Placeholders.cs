using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HybridEhr.Devnet.Contracts.Tests.Scenarios;

/// <summary>
/// Replaces whole-string placeholders anywhere in a JSON value: "$actor:NAME" (the actor's account id),
/// "$sha256:TEXT" (lower-case hex SHA-256 of TEXT's UTF-8 bytes) and "$$..." (a literal string starting with "$").
/// </summary>
public sealed class Placeholders(IReadOnlyDictionary<string, string> accountsByActor)
{
    public JsonNode? Resolve(JsonNode? node) => node switch
    {
        null => null,
        JsonObject obj => new JsonObject(obj.Select(pair => KeyValuePair.Create(pair.Key, Resolve(pair.Value)))),
        JsonArray array => new JsonArray([.. array.Select(Resolve)]),
        JsonValue value when value.GetValueKind() == JsonValueKind.String => JsonValue.Create(ResolveString(value.GetValue<string>())),
        _ => node.DeepClone(),
    };

    public string ResolveString(string text)
    {
        if (text.StartsWith("$$", StringComparison.Ordinal))
        {
            return text[1..];
        }

        if (text.StartsWith("$actor:", StringComparison.Ordinal))
        {
            var actor = text["$actor:".Length..];
            return accountsByActor.TryGetValue(actor, out var account)
                ? account
                : throw new FormatException($"placeholder {text} names no actor of this file");
        }

        if (text.StartsWith("$sha256:", StringComparison.Ordinal))
        {
            return Sha256Hex(text["$sha256:".Length..]);
        }

        return text.StartsWith('$') ? throw new FormatException($"unknown placeholder {text} (write $$ for a literal $)") : text;
    }

    public static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}

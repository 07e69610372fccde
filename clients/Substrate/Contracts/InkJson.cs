using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using HybridEhr.Clients.Substrate.Metadata;
using HybridEhr.Clients.Substrate.Scale;

namespace HybridEhr.Clients.Substrate.Contracts;

/// <summary>
/// Converts between the JSON shapes of chaincode/spec (snake_case objects, "0x"+hex accounts, bare-hex hashes,
/// lower-case enum names, null for None) and the contract's SCALE values, guided by the contract's types. A service
/// can then call a message with the same JSON arguments the devnet contract takes and get the same JSON back.
/// </summary>
public sealed class InkJson(InkAbi abi)
{
    private PortableTypeRegistry Types => abi.Metadata.Types;

    /// <summary>The message's arguments from a JSON object; an unknown or ill-shaped argument is an <see cref="ArgumentException"/>.</summary>
    public (string Label, ScaleValue Value)[] Arguments(string message, JsonObject arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var spec = abi.Metadata.Message(message);
        var unknown = arguments.Select(a => a.Key).Except(spec.Arguments.Select(a => a.Label)).FirstOrDefault();
        if (unknown is not null)
        {
            throw new ArgumentException($"'{message}' has no argument '{unknown}'");
        }

        return [.. spec.Arguments.Select(argument =>
        {
            arguments.TryGetPropertyValue(argument.Label, out var node);
            if (node is null && !IsOption(argument.Type))
            {
                throw new ArgumentException($"'{message}' needs argument '{argument.Label}'");
            }

            return (argument.Label, FromJson(argument.Type, node, argument.Label));
        })];
    }

    /// <summary>The unwrapped value of <paramref name="message"/> as spec JSON.</summary>
    public JsonNode? Result(string message, ScaleValue unwrapped) =>
        abi.ValueType(message) is { } type ? ToJson(type, unwrapped) : null;

    public ScaleValue FromJson(uint typeId, JsonNode? node, string what)
    {
        var type = Types[typeId];
        switch (type.Definition)
        {
            case CompositeType when ByteArrayLength(typeId) is { } length:
                return ScaleValue.Of(ParseHex(node, length, requirePrefix: !IsHash(type), what));
            case CompositeType composite:
                var fields = node as JsonObject ?? throw new ArgumentException($"{what} must be an object");
                return new CompositeValue([.. composite.Fields.Select(field =>
                    new NamedValue(field.Name, FromJson(field.Type, fields[field.Name ?? ""], $"{what}.{field.Name}")))]);
            case VariantType when IsOption(typeId):
                return node is null ? ScaleValue.None : ScaleValue.Some(FromJson(type.Parameters[0].Type!.Value, node, what));
            case VariantType variants when variants.Variants.All(v => v.Fields.Count == 0):
                var name = node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
                var variant = variants.Variants.FirstOrDefault(v => SnakeCase(v.Name) == name)
                    ?? throw new ArgumentException($"{what} must be one of {string.Join(", ", variants.Variants.Select(v => SnakeCase(v.Name)))}");
                return ScaleValue.Variant(variant.Name);
            case SequenceType sequence:
                var items = node as JsonArray ?? throw new ArgumentException($"{what} must be an array");
                return new SequenceValue([.. items.Select((item, i) => FromJson(sequence.ElementType, item, $"{what}[{i}]"))]);
            case PrimitiveType { Kind: PrimitiveKind.Bool }:
                return node is JsonValue b && b.TryGetValue<bool>(out var flag) ? ScaleValue.Of(flag) : throw new ArgumentException($"{what} must be true or false");
            case PrimitiveType { Kind: PrimitiveKind.Str }:
                return node is JsonValue s && s.TryGetValue<string>(out var str) ? ScaleValue.Of(str) : throw new ArgumentException($"{what} must be a string");
            case PrimitiveType or CompactType:
                return ScaleValue.Of(ParseInteger(node, what));
            default:
                throw new NotSupportedException($"{what}: type {type.PathText} has no JSON mapping");
        }
    }

    public JsonNode? ToJson(uint typeId, ScaleValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var type = Types[typeId];
        switch (type.Definition)
        {
            case CompositeType when ByteArrayLength(typeId) is not null:
                var bytes = Convert.ToHexStringLower(value.AsBytes());
                return IsHash(type) ? bytes : "0x" + bytes;
            case CompositeType composite:
                var fields = new JsonObject();
                foreach (var field in composite.Fields)
                {
                    fields[field.Name ?? ""] = ToJson(field.Type, value[field.Name ?? ""]);
                }

                return fields;
            case VariantType when IsOption(typeId):
                var option = (VariantValue)value;
                return option.Name == "None" ? null : ToJson(type.Parameters[0].Type!.Value, option.Fields[0].Value);
            case VariantType:
                return SnakeCase(((VariantValue)value).Name);
            case SequenceType sequence:
                return new JsonArray([.. ((SequenceValue)value).Items.Select(item => ToJson(sequence.ElementType, item))]);
            default:
                return value switch
                {
                    BoolValue b => b.Value,
                    TextValue t => t.Value,
                    NumberValue n when n.Value >= long.MinValue && n.Value <= long.MaxValue => (long)n.Value,
                    NumberValue n => n.Value.ToString(CultureInfo.InvariantCulture),
                    _ => throw new NotSupportedException($"type {type.PathText} has no JSON mapping"),
                };
        }
    }

    private bool IsOption(uint typeId) => Types[typeId] is { Path: ["Option"], Definition: VariantType };

    private static bool IsHash(PortableType type) => type.Path.Count > 0 && type.Path[^1] == "Hash";

    // AccountId and Hash are newtypes around [u8; 32].
    private int? ByteArrayLength(uint typeId) =>
        Types[typeId].Definition is CompositeType { Fields: [var only] }
        && Types[only.Type].Definition is ArrayType array
        && Types[array.ElementType].Definition is PrimitiveType { Kind: PrimitiveKind.U8 }
            ? (int)array.Length
            : null;

    private static byte[] ParseHex(JsonNode? node, int length, bool requirePrefix, string what)
    {
        var text = node is JsonValue value && value.TryGetValue<string>(out var s) ? s : null;
        var digits = requirePrefix ? (text?.StartsWith("0x", StringComparison.Ordinal) == true ? text[2..] : null) : text;
        var wellFormed = digits is not null && digits.Length == length * 2 && digits.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
        return wellFormed
            ? Convert.FromHexString(digits!)
            : throw new ArgumentException($"{what} must be {(requirePrefix ? "0x + " : "")}{length * 2} lower-case hex digits");
    }

    private static BigInteger ParseInteger(JsonNode? node, string what)
    {
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number
            && BigInteger.TryParse(value.ToJsonString(), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        throw new ArgumentException($"{what} must be a non-negative integer");
    }

    private static string SnakeCase(string name)
    {
        var text = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]))
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(name[i]));
        }

        return text.ToString();
    }
}

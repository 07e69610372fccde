using System.Text.Json;
using HybridEhr.Clients.Substrate.Metadata;

namespace HybridEhr.Clients.Substrate.Contracts;

/// <summary>
/// An ink! contract's ABI from its metadata JSON (versions 4 and 5): constructors and messages with their selectors
/// and argument types, events, and the contract's own type registry.
/// </summary>
public sealed class InkMetadata
{
    public required int Version { get; init; }

    public required string ContractName { get; init; }

    public required PortableTypeRegistry Types { get; init; }

    public required IReadOnlyList<InkMessage> Constructors { get; init; }

    public required IReadOnlyList<InkMessage> Messages { get; init; }

    public required IReadOnlyList<InkEvent> Events { get; init; }

    public InkMessage Message(string label) =>
        Messages.FirstOrDefault(message => message.Label == label)
        ?? throw new KeyNotFoundException($"contract '{ContractName}' has no message '{label}'");

    public InkMessage Constructor(string label) =>
        Constructors.FirstOrDefault(constructor => constructor.Label == label)
        ?? throw new KeyNotFoundException($"contract '{ContractName}' has no constructor '{label}'");

    public static InkMetadata Load(string path) => Parse(File.ReadAllText(path));

    public static InkMetadata Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var version = ReadVersion(root);
        var spec = root.GetProperty("spec");
        return new InkMetadata
        {
            Version = version,
            ContractName = root.GetProperty("contract").GetProperty("name").GetString() ?? "",
            Types = new PortableTypeRegistry(root.GetProperty("types").EnumerateArray().Select(ReadType)),
            Constructors = [.. spec.GetProperty("constructors").EnumerateArray().Select(ReadMessage)],
            Messages = [.. spec.GetProperty("messages").EnumerateArray().Select(ReadMessage)],
            Events = [.. spec.GetProperty("events").EnumerateArray().Select((e, i) => ReadEvent(e, i))],
        };
    }

    private static int ReadVersion(JsonElement root)
    {
        if (!root.TryGetProperty("version", out var version))
        {
            throw new NotSupportedException("ink! metadata without a version field (before V4) is not supported");
        }

        var number = version.ValueKind == JsonValueKind.String
            ? int.Parse(version.GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            : version.GetInt32();
        return number is 4 or 5 ? number : throw new NotSupportedException($"ink! metadata version {number} is not supported (4 and 5 are)");
    }

    private static InkMessage ReadMessage(JsonElement message) => new(
        message.GetProperty("label").GetString()!,
        Hex.Decode(message.GetProperty("selector").GetString()!),
        [.. message.GetProperty("args").EnumerateArray().Select(arg => new InkArgument(arg.GetProperty("label").GetString()!, TypeId(arg.GetProperty("type"))))],
        message.TryGetProperty("returnType", out var returnType) && returnType.ValueKind == JsonValueKind.Object ? TypeId(returnType) : null,
        message.TryGetProperty("mutates", out var mutates) && mutates.GetBoolean(),
        message.TryGetProperty("payable", out var payable) && payable.GetBoolean());

    private static InkEvent ReadEvent(JsonElement e, int index) => new(
        e.GetProperty("label").GetString()!,
        (byte)index,
        e.TryGetProperty("signature_topic", out var topic) && topic.ValueKind == JsonValueKind.String ? Hex.Decode(topic.GetString()!) : null,
        [.. e.GetProperty("args").EnumerateArray().Select(arg => new InkArgument(
            arg.GetProperty("label").GetString()!,
            TypeId(arg.GetProperty("type")),
            arg.TryGetProperty("indexed", out var indexed) && indexed.ValueKind == JsonValueKind.True))]);

    private static uint TypeId(JsonElement typeSpec) => typeSpec.GetProperty("type").GetUInt32();

    // The JSON mirrors scale-info's portable registry: {id, type: {path, params, def: {composite|variant|...}}}.
    private static PortableType ReadType(JsonElement entry)
    {
        var type = entry.GetProperty("type");
        var path = type.TryGetProperty("path", out var p) ? p.EnumerateArray().Select(s => s.GetString()!).ToList() : [];
        var parameters = type.TryGetProperty("params", out var ps)
            ? ps.EnumerateArray().Select(param => new TypeParameter(
                param.GetProperty("name").GetString()!,
                param.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetUInt32() : null)).ToList()
            : [];
        return new PortableType(entry.GetProperty("id").GetUInt32(), path, parameters, ReadDefinition(type.GetProperty("def")));
    }

    private static TypeDefinition ReadDefinition(JsonElement def)
    {
        var kind = def.EnumerateObject().Single();
        var body = kind.Value;
        return kind.Name switch
        {
            "composite" => new CompositeType(ReadFields(body)),
            "variant" => new VariantType(body.TryGetProperty("variants", out var variants)
                ? [.. variants.EnumerateArray().Select(v => new TypeVariant(v.GetProperty("name").GetString()!, ReadFields(v), v.GetProperty("index").GetByte()))]
                : []),
            "sequence" => new SequenceType(body.GetProperty("type").GetUInt32()),
            "array" => new ArrayType(body.GetProperty("len").GetUInt32(), body.GetProperty("type").GetUInt32()),
            "tuple" => new TupleType([.. body.EnumerateArray().Select(t => t.GetUInt32())]),
            "primitive" => new PrimitiveType(Enum.Parse<PrimitiveKind>(body.GetString()!, ignoreCase: true)),
            "compact" => new CompactType(body.GetProperty("type").GetUInt32()),
            "bitsequence" => new BitSequenceType(body.GetProperty("bit_store_type").GetUInt32(), body.GetProperty("bit_order_type").GetUInt32()),
            _ => throw new NotSupportedException($"unknown type definition '{kind.Name}' in ink! metadata"),
        };
    }

    private static List<TypeField> ReadFields(JsonElement owner) =>
        owner.TryGetProperty("fields", out var fields)
            ? [.. fields.EnumerateArray().Select(f => new TypeField(
                f.TryGetProperty("name", out var name) ? name.GetString() : null,
                f.GetProperty("type").GetUInt32(),
                f.TryGetProperty("typeName", out var typeName) ? typeName.GetString() : null))]
            : [];
}

/// <param name="Indexed">For event fields: whether the field is also a topic of the event.</param>
public sealed record InkArgument(string Label, uint Type, bool Indexed = false);

public sealed record InkMessage(string Label, byte[] Selector, IReadOnlyList<InkArgument> Arguments, uint? ReturnType, bool Mutates, bool Payable);

/// <summary>An event; V5 identifies it by <see cref="SignatureTopic"/> (first topic), V4 by <see cref="Index"/> (first data byte).</summary>
public sealed record InkEvent(string Label, byte Index, byte[]? SignatureTopic, IReadOnlyList<InkArgument> Fields);

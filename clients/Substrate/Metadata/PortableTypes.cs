using HybridEhr.Clients.Substrate.Scale;

namespace HybridEhr.Clients.Substrate.Metadata;

/// <summary>The runtime's portable type registry (scale-info): every type the metadata refers to, by id.</summary>
public sealed class PortableTypeRegistry
{
    private readonly Dictionary<uint, PortableType> types;

    public PortableTypeRegistry(IEnumerable<PortableType> types)
    {
        this.types = types.ToDictionary(type => type.Id);
    }

    public IReadOnlyCollection<PortableType> All => types.Values;

    public PortableType this[uint id] =>
        types.TryGetValue(id, out var type) ? type : throw new KeyNotFoundException($"type {id} is not in the registry");

    /// <summary>Finds a type by its path, e.g. "sp_weights::weight_v2::Weight" or just its last segment "Weight".</summary>
    public PortableType? FindByPath(string path) =>
        types.Values.FirstOrDefault(type => type.PathText == path)
        ?? types.Values.FirstOrDefault(type => type.Path.Count > 0 && type.Path[^1] == path);

    public static PortableTypeRegistry Read(ScaleReader reader) =>
        new(reader.Vector(PortableType.Read));
}

public sealed record PortableType(uint Id, IReadOnlyList<string> Path, IReadOnlyList<TypeParameter> Parameters, TypeDefinition Definition)
{
    public string PathText => string.Join("::", Path);

    internal static PortableType Read(ScaleReader reader)
    {
        var id = (uint)reader.Compact();
        var path = reader.Vector(r => r.String());
        var parameters = reader.Vector(r => new TypeParameter(r.String(), r.OptionValue(x => (uint)x.Compact())));
        var definition = TypeDefinition.Read(reader);
        reader.Vector(r => r.String()); // docs
        return new PortableType(id, path, parameters, definition);
    }
}

public sealed record TypeParameter(string Name, uint? Type);

public sealed record TypeField(string? Name, uint Type, string? TypeName)
{
    internal static TypeField Read(ScaleReader reader)
    {
        var name = reader.Option(r => r.String());
        var type = (uint)reader.Compact();
        var typeName = reader.Option(r => r.String());
        reader.Vector(r => r.String()); // docs
        return new TypeField(name, type, typeName);
    }
}

public sealed record TypeVariant(string Name, IReadOnlyList<TypeField> Fields, byte Index)
{
    internal static TypeVariant Read(ScaleReader reader)
    {
        var name = reader.String();
        var fields = reader.Vector(TypeField.Read);
        var index = reader.U8();
        reader.Vector(r => r.String()); // docs
        return new TypeVariant(name, fields, index);
    }
}

public enum PrimitiveKind
{
    Bool, Char, Str, U8, U16, U32, U64, U128, U256, I8, I16, I32, I64, I128, I256,
}

/// <summary>The shape of a type; one subclass per scale-info TypeDef variant, in the order they are encoded.</summary>
public abstract record TypeDefinition
{
    internal static TypeDefinition Read(ScaleReader reader) => reader.U8() switch
    {
        0 => new CompositeType(reader.Vector(TypeField.Read)),
        1 => new VariantType(reader.Vector(TypeVariant.Read)),
        2 => new SequenceType((uint)reader.Compact()),
        3 => new ArrayType(reader.U32(), (uint)reader.Compact()),
        4 => new TupleType(reader.Vector(r => (uint)r.Compact())),
        5 => new PrimitiveType(ReadPrimitive(reader)),
        6 => new CompactType((uint)reader.Compact()),
        7 => new BitSequenceType((uint)reader.Compact(), (uint)reader.Compact()),
        var other => throw new ScaleException($"unknown type definition tag {other}"),
    };

    private static PrimitiveKind ReadPrimitive(ScaleReader reader)
    {
        var tag = reader.U8();
        return tag <= (byte)PrimitiveKind.I256 ? (PrimitiveKind)tag : throw new ScaleException($"unknown primitive {tag}");
    }
}

public sealed record CompositeType(IReadOnlyList<TypeField> Fields) : TypeDefinition;

public sealed record VariantType(IReadOnlyList<TypeVariant> Variants) : TypeDefinition
{
    public TypeVariant? ByName(string name) => Variants.FirstOrDefault(variant => variant.Name == name);

    public TypeVariant? ByIndex(byte index) => Variants.FirstOrDefault(variant => variant.Index == index);
}

public sealed record SequenceType(uint ElementType) : TypeDefinition;

public sealed record ArrayType(uint Length, uint ElementType) : TypeDefinition;

public sealed record TupleType(IReadOnlyList<uint> Elements) : TypeDefinition;

public sealed record PrimitiveType(PrimitiveKind Kind) : TypeDefinition;

public sealed record CompactType(uint InnerType) : TypeDefinition;

public sealed record BitSequenceType(uint StoreType, uint OrderType) : TypeDefinition;

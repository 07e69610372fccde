using System.Numerics;
using HybridEhr.Clients.Substrate.Metadata;

namespace HybridEhr.Clients.Substrate.Scale;

/// <summary>Encodes and decodes <see cref="ScaleValue"/>s by type id, following the runtime's type registry.</summary>
public sealed class TypedCodec(PortableTypeRegistry types)
{
    public PortableTypeRegistry Types => types;

    public byte[] Encode(uint typeId, ScaleValue value)
    {
        var writer = new ScaleWriter();
        Encode(writer, typeId, value);
        return writer.ToArray();
    }

    public ScaleValue Decode(uint typeId, ReadOnlyMemory<byte> bytes)
    {
        var reader = new ScaleReader(bytes);
        var value = Decode(reader, typeId);
        reader.EnsureEnd();
        return value;
    }

    /// <summary>True when values of the type take no bytes at all (unit, empty tuple, PhantomData).</summary>
    public bool IsEmpty(uint typeId) => types[typeId].Definition switch
    {
        CompositeType composite => composite.Fields.All(field => IsEmpty(field.Type)),
        TupleType tuple => tuple.Elements.All(IsEmpty),
        ArrayType array => array.Length == 0 || IsEmpty(array.ElementType),
        _ => false,
    };

    public void Encode(ScaleWriter writer, uint typeId, ScaleValue value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        switch (types[typeId].Definition)
        {
            case CompositeType composite:
                EncodeFields(writer, composite.Fields, value, typeId);
                break;
            case VariantType variants:
                EncodeVariant(writer, variants, value, typeId);
                break;
            case SequenceType sequence when IsU8(sequence.ElementType) && value is BytesValue bytes:
                writer.Bytes(bytes.Value);
                break;
            case SequenceType sequence:
                var items = Items(value, typeId);
                writer.Compact((ulong)items.Count);
                foreach (var item in items)
                {
                    Encode(writer, sequence.ElementType, item);
                }

                break;
            case ArrayType array when IsU8(array.ElementType) && value is BytesValue bytes:
                writer.Raw(bytes.Value.Length == array.Length
                    ? bytes.Value
                    : throw new ArgumentException($"type {typeId} needs exactly {array.Length} bytes, got {bytes.Value.Length}"));
                break;
            case ArrayType array:
                var elements = Items(value, typeId);
                if (elements.Count != array.Length)
                {
                    throw new ArgumentException($"type {typeId} needs {array.Length} elements, got {elements.Count}");
                }

                foreach (var element in elements)
                {
                    Encode(writer, array.ElementType, element);
                }

                break;
            case TupleType tuple:
                var parts = tuple.Elements.Count == 0 ? [] : Items(value, typeId);
                if (parts.Count != tuple.Elements.Count)
                {
                    throw new ArgumentException($"tuple type {typeId} needs {tuple.Elements.Count} elements");
                }

                for (var i = 0; i < parts.Count; i++)
                {
                    Encode(writer, tuple.Elements[i], parts[i]);
                }

                break;
            case PrimitiveType primitive:
                EncodePrimitive(writer, primitive.Kind, value);
                break;
            case CompactType compact:
                writer.Compact(CompactNumber(compact.InnerType, value));
                break;
            case BitSequenceType:
                throw new NotSupportedException("encoding bit sequences is not supported");
        }
    }

    public ScaleValue Decode(ScaleReader reader, uint typeId)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return types[typeId].Definition switch
        {
            CompositeType composite => new CompositeValue(DecodeFields(reader, composite.Fields)),
            VariantType variants => DecodeVariant(reader, variants, typeId),
            SequenceType sequence when IsU8(sequence.ElementType) => new BytesValue(reader.Bytes()),
            SequenceType sequence => new SequenceValue(reader.Vector(r => Decode(r, sequence.ElementType))),
            ArrayType array when IsU8(array.ElementType) => new BytesValue(reader.TakeArray((int)array.Length)),
            ArrayType array => new SequenceValue([.. Enumerable.Range(0, (int)array.Length).Select(_ => Decode(reader, array.ElementType))]),
            TupleType tuple => new SequenceValue([.. tuple.Elements.Select(element => Decode(reader, element))]),
            PrimitiveType primitive => DecodePrimitive(reader, primitive.Kind),
            CompactType => new NumberValue(reader.Compact()),
            BitSequenceType bits => DecodeBits(reader, bits),
            _ => throw new ScaleException($"type {typeId} has an unknown definition"),
        };
    }

    private bool IsU8(uint typeId) => types[typeId].Definition is PrimitiveType { Kind: PrimitiveKind.U8 };

    private void EncodeFields(ScaleWriter writer, IReadOnlyList<TypeField> fields, ScaleValue value, uint typeId)
    {
        // A newtype (one unnamed or named field) accepts its inner value directly: AccountId32 from bytes, etc.
        if (fields.Count == 1 && value is not CompositeValue)
        {
            Encode(writer, fields[0].Type, value);
            return;
        }

        var given = value switch
        {
            CompositeValue composite => composite.Fields,
            SequenceValue sequence => [.. sequence.Items.Select(item => new NamedValue(null, item))],
            _ => throw new ArgumentException($"type {typeId} is a composite; {value} is not"),
        };
        WriteFieldList(writer, fields, given, typeId.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private void WriteFieldList(ScaleWriter writer, IReadOnlyList<TypeField> fields, IReadOnlyList<NamedValue> given, string what)
    {
        if (given.Count != fields.Count)
        {
            throw new ArgumentException($"{what} has {fields.Count} fields, {given.Count} given");
        }

        var byName = given.All(field => field.Name is not null) && fields.All(field => field.Name is not null);
        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i];
            var fieldValue = byName
                ? given.FirstOrDefault(g => g.Name == field.Name)?.Value
                    ?? throw new ArgumentException($"{what}: field '{field.Name}' is missing")
                : given[i].Value;
            Encode(writer, field.Type, fieldValue);
        }
    }

    private void EncodeVariant(ScaleWriter writer, VariantType variants, ScaleValue value, uint typeId)
    {
        if (value is not VariantValue variantValue)
        {
            throw new ArgumentException($"type {typeId} ({types[typeId].PathText}) is an enum; {value} is not a variant");
        }

        var variant = variants.ByName(variantValue.Name)
            ?? throw new ArgumentException($"type {typeId} ({types[typeId].PathText}) has no variant '{variantValue.Name}'");
        writer.U8(variant.Index);
        WriteFieldList(writer, variant.Fields, variantValue.Fields, $"variant {variant.Name}");
    }

    private List<NamedValue> DecodeFields(ScaleReader reader, IReadOnlyList<TypeField> fields) =>
        [.. fields.Select(field => new NamedValue(field.Name, Decode(reader, field.Type)))];

    private ScaleValue DecodeVariant(ScaleReader reader, VariantType variants, uint typeId)
    {
        var index = reader.U8();
        var variant = variants.ByIndex(index)
            ?? throw new ScaleException($"type {typeId} ({types[typeId].PathText}) has no variant with index {index}");
        return new VariantValue(variant.Name, index, DecodeFields(reader, variant.Fields));
    }

    private static List<ScaleValue> Items(ScaleValue value, uint typeId) => value switch
    {
        SequenceValue sequence => [.. sequence.Items],
        BytesValue bytes => [.. bytes.Value.Select(b => ScaleValue.Of(b))],
        CompositeValue composite => [.. composite.Fields.Select(field => field.Value)],
        _ => throw new ArgumentException($"type {typeId} needs a sequence; {value} is not"),
    };

    private BigInteger CompactNumber(uint innerType, ScaleValue value) => value switch
    {
        NumberValue number => number.Value,
        // Compact<Newtype(u64)> and friends: unwrap single-field composites.
        CompositeValue { Fields: [{ Value: NumberValue inner }] } => inner.Value,
        _ => throw new ArgumentException($"compact of type {innerType} needs a number; {value} is not"),
    };

    private static void EncodePrimitive(ScaleWriter writer, PrimitiveKind kind, ScaleValue value)
    {
        switch (kind, value)
        {
            case (PrimitiveKind.Bool, BoolValue b):
                writer.Bool(b.Value);
                break;
            case (PrimitiveKind.Char, CharValue c):
                writer.U32(c.Value);
                break;
            case (PrimitiveKind.Str, TextValue text):
                writer.String(text.Value);
                break;
            case (_, NumberValue number) when ByteWidth(kind) is var (width, signed) && width > 0:
                if (signed)
                {
                    writer.SignedFixed(number.Value, width);
                }
                else
                {
                    writer.UnsignedFixed(number.Value, width);
                }

                break;
            default:
                throw new ArgumentException($"{value} is not a valid {kind}");
        }
    }

    private static ScaleValue DecodePrimitive(ScaleReader reader, PrimitiveKind kind)
    {
        switch (kind)
        {
            case PrimitiveKind.Bool:
                return new BoolValue(reader.Bool());
            case PrimitiveKind.Char:
                return new CharValue((char)reader.U32());
            case PrimitiveKind.Str:
                return new TextValue(reader.String());
            default:
                var (width, signed) = ByteWidth(kind);
                return new NumberValue(signed ? reader.SignedFixed(width) : reader.UnsignedFixed(width));
        }
    }

    private static (int Width, bool Signed) ByteWidth(PrimitiveKind kind) => kind switch
    {
        PrimitiveKind.U8 => (1, false),
        PrimitiveKind.U16 => (2, false),
        PrimitiveKind.U32 => (4, false),
        PrimitiveKind.U64 => (8, false),
        PrimitiveKind.U128 => (16, false),
        PrimitiveKind.U256 => (32, false),
        PrimitiveKind.I8 => (1, true),
        PrimitiveKind.I16 => (2, true),
        PrimitiveKind.I32 => (4, true),
        PrimitiveKind.I64 => (8, true),
        PrimitiveKind.I128 => (16, true),
        PrimitiveKind.I256 => (32, true),
        _ => (0, false),
    };

    private ScaleValue DecodeBits(ScaleReader reader, BitSequenceType bits)
    {
        var bitCount = reader.Compact();
        var storeBytes = types[bits.StoreType].Definition is PrimitiveType p ? ByteWidth(p.Kind).Width : 1;
        var storeBits = storeBytes * 8;
        var words = (int)((bitCount + storeBits - 1) / storeBits);
        return new BytesValue(reader.TakeArray(words * storeBytes));
    }
}

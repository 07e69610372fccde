using System.Numerics;

namespace HybridEhr.Clients.Substrate.Scale;

/// <summary>
/// A value of any runtime type, shaped like the type registry describes it. Used where the shape comes from metadata
/// (call arguments, events, signed extensions) instead of from C# types known at compile time.
/// </summary>
public abstract record ScaleValue
{
    public static ScaleValue Of(bool value) => new BoolValue(value);

    public static ScaleValue Of(BigInteger value) => new NumberValue(value);

    public static ScaleValue Of(ulong value) => new NumberValue(value);

    public static ScaleValue Of(string value) => new TextValue(value);

    public static ScaleValue Of(byte[] value) => new BytesValue(value);

    public static ScaleValue Unit { get; } = new CompositeValue([]);

    public static ScaleValue Record(params (string? Name, ScaleValue Value)[] fields) =>
        new CompositeValue([.. fields.Select(field => new NamedValue(field.Name, field.Value))]);

    public static ScaleValue Variant(string name, params ScaleValue[] fields) =>
        new VariantValue(name, null, [.. fields.Select(value => new NamedValue(null, value))]);

    public static ScaleValue None { get; } = Variant("None");

    public static ScaleValue Some(ScaleValue value) => Variant("Some", value);

    /// <summary>The field named <paramref name="name"/> of a composite or variant value.</summary>
    public ScaleValue this[string name] => (this switch
    {
        CompositeValue composite => composite.Fields,
        VariantValue variant => variant.Fields,
        _ => [],
    }).FirstOrDefault(field => field.Name == name)?.Value
        ?? throw new KeyNotFoundException($"no field '{name}' in {this}");

    public BigInteger AsNumber() => this switch
    {
        NumberValue number => number.Value,
        // A newtype around a number (CheckNonce(Compact<u32>), ChargeTransactionPayment(Compact<u128>)) reads as it.
        CompositeValue { Fields: [{ Value: var inner }] } => inner.AsNumber(),
        _ => throw new InvalidCastException($"{this} is not a number"),
    };

    public byte[] AsBytes() => this switch
    {
        BytesValue bytes => bytes.Value,
        // A newtype around bytes (AccountId32, H256) reads as its bytes.
        CompositeValue { Fields: [{ Value: BytesValue inner }] } => inner.Value,
        _ => throw new InvalidCastException($"{this} is not bytes"),
    };
}

public sealed record NamedValue(string? Name, ScaleValue Value);

public sealed record BoolValue(bool Value) : ScaleValue;

public sealed record NumberValue(BigInteger Value) : ScaleValue;

public sealed record TextValue(string Value) : ScaleValue;

public sealed record CharValue(char Value) : ScaleValue;

/// <summary>A u8 sequence or array; also the raw store of a bit sequence.</summary>
public sealed record BytesValue(byte[] Value) : ScaleValue
{
    public bool Equals(BytesValue? other) => other is not null && Value.AsSpan().SequenceEqual(other.Value);

    public override int GetHashCode() => Value.Length;

    public override string ToString() => Hex.Encode(Value);
}

public sealed record CompositeValue(IReadOnlyList<NamedValue> Fields) : ScaleValue
{
    public bool Equals(CompositeValue? other) => other is not null && Fields.SequenceEqual(other.Fields);

    public override int GetHashCode() => Fields.Count;
}

public sealed record SequenceValue(IReadOnlyList<ScaleValue> Items) : ScaleValue
{
    public bool Equals(SequenceValue? other) => other is not null && Items.SequenceEqual(other.Items);

    public override int GetHashCode() => Items.Count;
}

/// <summary>An enum value; <see cref="Index"/> is filled on decode, and is optional on encode (the name decides).</summary>
public sealed record VariantValue(string Name, byte? Index, IReadOnlyList<NamedValue> Fields) : ScaleValue
{
    public bool Equals(VariantValue? other) => other is not null && Name == other.Name && Fields.SequenceEqual(other.Fields);

    public override int GetHashCode() => Name.GetHashCode(StringComparison.Ordinal);
}

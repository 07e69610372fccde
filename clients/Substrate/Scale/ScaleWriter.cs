using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace HybridEhr.Clients.Substrate.Scale;

/// <summary>Appends SCALE-encoded values (little-endian fixed-width integers, compact integers, length-prefixed data).</summary>
public sealed class ScaleWriter
{
    private readonly MemoryStream buffer = new();

    public int Length => (int)buffer.Length;

    public byte[] ToArray() => buffer.ToArray();

    public ScaleWriter Raw(ReadOnlySpan<byte> bytes)
    {
        buffer.Write(bytes);
        return this;
    }

    public ScaleWriter Bool(bool value) => U8(value ? (byte)1 : (byte)0);

    public ScaleWriter U8(byte value)
    {
        buffer.WriteByte(value);
        return this;
    }

    public ScaleWriter I8(sbyte value) => U8(unchecked((byte)value));

    public ScaleWriter U16(ushort value)
    {
        Span<byte> span = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(span, value);
        return Raw(span);
    }

    public ScaleWriter I16(short value) => U16(unchecked((ushort)value));

    public ScaleWriter U32(uint value)
    {
        Span<byte> span = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(span, value);
        return Raw(span);
    }

    public ScaleWriter I32(int value) => U32(unchecked((uint)value));

    public ScaleWriter U64(ulong value)
    {
        Span<byte> span = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(span, value);
        return Raw(span);
    }

    public ScaleWriter I64(long value) => U64(unchecked((ulong)value));

    public ScaleWriter U128(UInt128 value)
    {
        Span<byte> span = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128LittleEndian(span, value);
        return Raw(span);
    }

    public ScaleWriter I128(Int128 value) => U128(unchecked((UInt128)value));

    /// <summary>An unsigned integer of <paramref name="byteCount"/> bytes (u8..u256), little-endian.</summary>
    public ScaleWriter UnsignedFixed(BigInteger value, int byteCount)
    {
        if (value.Sign < 0 || value.GetByteCount(isUnsigned: true) > byteCount)
        {
            throw new ArgumentOutOfRangeException(nameof(value), $"{value} does not fit in {byteCount} unsigned bytes");
        }

        var bytes = new byte[byteCount];
        value.TryWriteBytes(bytes, out _, isUnsigned: true, isBigEndian: false);
        return Raw(bytes);
    }

    /// <summary>A signed integer of <paramref name="byteCount"/> bytes (two's complement, little-endian).</summary>
    public ScaleWriter SignedFixed(BigInteger value, int byteCount)
    {
        if (value.GetByteCount() > byteCount)
        {
            throw new ArgumentOutOfRangeException(nameof(value), $"{value} does not fit in {byteCount} signed bytes");
        }

        var bytes = new byte[byteCount];
        if (value.Sign < 0)
        {
            Array.Fill(bytes, (byte)0xff);
        }

        value.TryWriteBytes(bytes, out _, isUnsigned: false, isBigEndian: false);
        return Raw(bytes);
    }

    public ScaleWriter Compact(ulong value) => Compact(new BigInteger(value));

    /// <summary>Compact integer: 2-bit mode in the low bits (single byte, two bytes, four bytes, big-integer).</summary>
    public ScaleWriter Compact(BigInteger value)
    {
        if (value.Sign < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), "compact integers are unsigned");
        }

        if (value < 1 << 6)
        {
            return U8((byte)((int)value << 2));
        }

        if (value < 1 << 14)
        {
            return U16((ushort)(((int)value << 2) | 0b01));
        }

        if (value < 1 << 30)
        {
            return U32(((uint)value << 2) | 0b10);
        }

        var length = value.GetByteCount(isUnsigned: true);
        if (length > 67)
        {
            throw new ArgumentOutOfRangeException(nameof(value), "compact integers hold at most 536 bits");
        }

        U8((byte)(((length - 4) << 2) | 0b11));
        return UnsignedFixed(value, length);
    }

    /// <summary>Vec&lt;u8&gt;: compact length then the bytes.</summary>
    public ScaleWriter Bytes(ReadOnlySpan<byte> bytes)
    {
        Compact((ulong)bytes.Length);
        return Raw(bytes);
    }

    public ScaleWriter String(string value) => Bytes(Encoding.UTF8.GetBytes(value));

    public ScaleWriter Vector<T>(IReadOnlyCollection<T> items, Action<ScaleWriter, T> writeItem)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(writeItem);
        Compact((ulong)items.Count);
        foreach (var item in items)
        {
            writeItem(this, item);
        }

        return this;
    }

    public ScaleWriter Option<T>(T? value, Action<ScaleWriter, T> writeSome)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(writeSome);
        if (value is null)
        {
            return U8(0);
        }

        U8(1);
        writeSome(this, value);
        return this;
    }

    public ScaleWriter OptionValue<T>(T? value, Action<ScaleWriter, T> writeSome)
        where T : struct
    {
        ArgumentNullException.ThrowIfNull(writeSome);
        if (value is not { } some)
        {
            return U8(0);
        }

        U8(1);
        writeSome(this, some);
        return this;
    }

    /// <summary>Result: 0x00 then the Ok value, or 0x01 then the Err value.</summary>
    public ScaleWriter Result(bool isOk, Action<ScaleWriter> writeValue)
    {
        ArgumentNullException.ThrowIfNull(writeValue);
        U8(isOk ? (byte)0 : (byte)1);
        writeValue(this);
        return this;
    }

    public static byte[] Encode(Action<ScaleWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var writer = new ScaleWriter();
        write(writer);
        return writer.ToArray();
    }

    public static byte[] EncodeCompact(BigInteger value) => new ScaleWriter().Compact(value).ToArray();
}

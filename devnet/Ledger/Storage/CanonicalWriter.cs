using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace HybridEhr.Devnet.Ledger.Storage;

/// <summary>
/// Big-endian, length-prefixed binary encoding. There is exactly one encoding of each value, so hashes and signatures
/// over these bytes are stable across machines and runtime versions.
/// </summary>
internal sealed class CanonicalWriter(int initialCapacity = 256)
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly ArrayBufferWriter<byte> _buffer = new(initialCapacity);

    public int Length => _buffer.WrittenCount;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    public void WriteRaw(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);

    public void WriteByte(byte value) => _buffer.Write([value]);

    public void WriteInt32(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    /// <summary>A byte string: 4-byte length, then the bytes.</summary>
    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        WriteInt32(bytes.Length);
        _buffer.Write(bytes);
    }

    public void WriteString(string value)
    {
        var byteCount = StrictUtf8.GetByteCount(value);
        WriteInt32(byteCount);
        StrictUtf8.GetBytes(value, _buffer.GetSpan(byteCount));
        _buffer.Advance(byteCount);
    }

    /// <summary>An optional string: a presence byte, then the string.</summary>
    public void WriteOptionalString(string? value)
    {
        WriteByte(value is null ? (byte)0 : (byte)1);
        if (value is not null)
        {
            WriteString(value);
        }
    }
}

/// <summary>Reads what <see cref="CanonicalWriter"/> wrote; any inconsistency is a <see cref="FormatException"/>.</summary>
internal ref struct CanonicalReader(ReadOnlySpan<byte> data)
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly ReadOnlySpan<byte> _data = data;

    public int Position { get; private set; }

    public readonly int Remaining => _data.Length - Position;

    public ReadOnlySpan<byte> ReadRaw(int count)
    {
        if (count < 0 || count > Remaining)
        {
            throw new FormatException($"Truncated data: {count} bytes wanted at offset {Position}, {Remaining} left.");
        }
        var slice = _data.Slice(Position, count);
        Position += count;
        return slice;
    }

    public byte ReadByte() => ReadRaw(1)[0];

    public int ReadInt32() => BinaryPrimitives.ReadInt32BigEndian(ReadRaw(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64BigEndian(ReadRaw(8));

    public ReadOnlySpan<byte> ReadBytes(int maxLength)
    {
        var length = ReadInt32();
        if (length < 0 || length > maxLength)
        {
            throw new FormatException($"Length {length} out of range (max {maxLength}) at offset {Position - 4}.");
        }
        return ReadRaw(length);
    }

    public string ReadString(int maxBytes)
    {
        var bytes = ReadBytes(maxBytes);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new FormatException("Invalid UTF-8 in a string field.", ex);
        }
    }

    public string? ReadOptionalString(int maxBytes) => ReadByte() switch
    {
        0 => null,
        1 => ReadString(maxBytes),
        var other => throw new FormatException($"Bad presence byte {other}."),
    };

    public readonly void ExpectEnd()
    {
        if (Remaining != 0)
        {
            throw new FormatException($"{Remaining} unexpected trailing bytes.");
        }
    }
}

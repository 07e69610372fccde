using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace HybridEhr.Clients.Substrate.Scale;

/// <summary>Reads SCALE-encoded values from a byte buffer, front to back; throws <see cref="ScaleException"/> on malformed input.</summary>
public sealed class ScaleReader(ReadOnlyMemory<byte> data)
{
    private int position;

    public int Position => position;

    public int Remaining => data.Length - position;

    public bool AtEnd => position == data.Length;

    public ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > Remaining)
        {
            throw new ScaleException($"needed {count} bytes at offset {position}, only {Remaining} left");
        }

        var span = data.Span.Slice(position, count);
        position += count;
        return span;
    }

    public byte[] TakeArray(int count) => Take(count).ToArray();

    public byte[] Rest() => TakeArray(Remaining);

    public void EnsureEnd()
    {
        if (!AtEnd)
        {
            throw new ScaleException($"{Remaining} unexpected trailing bytes at offset {position}");
        }
    }

    public bool Bool() => U8() switch
    {
        0 => false,
        1 => true,
        var other => throw new ScaleException($"invalid bool byte {other}"),
    };

    public byte U8() => Take(1)[0];

    public sbyte I8() => unchecked((sbyte)U8());

    public ushort U16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    public short I16() => BinaryPrimitives.ReadInt16LittleEndian(Take(2));

    public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public int I32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public long I64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public UInt128 U128() => BinaryPrimitives.ReadUInt128LittleEndian(Take(16));

    public Int128 I128() => BinaryPrimitives.ReadInt128LittleEndian(Take(16));

    public BigInteger UnsignedFixed(int byteCount) => new(Take(byteCount), isUnsigned: true, isBigEndian: false);

    public BigInteger SignedFixed(int byteCount) => new(Take(byteCount), isUnsigned: false, isBigEndian: false);

    public BigInteger Compact()
    {
        var first = U8();
        switch (first & 0b11)
        {
            case 0b00:
                return first >> 2;
            case 0b01:
            {
                var value = (first | (U8() << 8)) >> 2;
                return value >= 1 << 6 ? value : throw new ScaleException("non-canonical two-byte compact");
            }

            case 0b10:
            {
                var value = (first | ((uint)U8() << 8) | ((uint)U8() << 16) | ((uint)U8() << 24)) >> 2;
                return value >= 1 << 14 ? value : throw new ScaleException("non-canonical four-byte compact");
            }

            default:
            {
                var length = (first >> 2) + 4;
                var value = UnsignedFixed(length);
                var minimal = value.GetByteCount(isUnsigned: true) == length && value >= 1 << 30;
                return minimal ? value : throw new ScaleException("non-canonical big-integer compact");
            }
        }
    }

    public ulong CompactU64()
    {
        var value = Compact();
        return value <= ulong.MaxValue ? (ulong)value : throw new ScaleException($"compact {value} exceeds u64");
    }

    public int CompactLength()
    {
        var value = Compact();
        return value <= Remaining ? (int)value : throw new ScaleException($"length {value} exceeds the {Remaining} bytes left");
    }

    public byte[] Bytes() => TakeArray(CompactLength());

    public string String()
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(Take(CompactLength()));
        }
        catch (DecoderFallbackException error)
        {
            throw new ScaleException("string is not valid UTF-8", error);
        }
    }

    public List<T> Vector<T>(Func<ScaleReader, T> readItem)
    {
        ArgumentNullException.ThrowIfNull(readItem);
        var count = Compact();
        // Every item takes at least one byte in practice; this bounds allocation on hostile input.
        if (count > Remaining)
        {
            throw new ScaleException($"vector of {count} items cannot fit in {Remaining} bytes");
        }

        var items = new List<T>((int)count);
        for (var i = 0; i < (int)count; i++)
        {
            items.Add(readItem(this));
        }

        return items;
    }

    public T? Option<T>(Func<ScaleReader, T> readSome)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(readSome);
        return U8() switch
        {
            0 => null,
            1 => readSome(this),
            var other => throw new ScaleException($"invalid Option tag {other}"),
        };
    }

    public T? OptionValue<T>(Func<ScaleReader, T> readSome)
        where T : struct
    {
        ArgumentNullException.ThrowIfNull(readSome);
        return U8() switch
        {
            0 => null,
            1 => readSome(this),
            var other => throw new ScaleException($"invalid Option tag {other}"),
        };
    }

    /// <summary>Reads a Result's tag: true for Ok (0x00), false for Err (0x01).</summary>
    public bool ResultIsOk() => U8() switch
    {
        0 => true,
        1 => false,
        var other => throw new ScaleException($"invalid Result tag {other}"),
    };
}

public sealed class ScaleException : Exception
{
    public ScaleException()
    {
    }

    public ScaleException(string message)
        : base(message)
    {
    }

    public ScaleException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

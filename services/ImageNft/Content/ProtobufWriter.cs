namespace HybridEhr.ImageNft.Content;

/// <summary>
/// The few protobuf wire-format primitives that dag-pb and UnixFS nodes need. Written by hand because the CID depends
/// on the exact bytes: field order and the omission of absent fields must match what go-ipfs and js-ipfs emit.
/// </summary>
internal sealed class ProtobufWriter
{
    private const int VarintWireType = 0;
    private const int LengthDelimitedWireType = 2;

    private readonly MemoryStream _buffer = new();

    public void WriteVarintField(int fieldNumber, ulong value)
    {
        WriteVarint((ulong)((fieldNumber << 3) | VarintWireType));
        WriteVarint(value);
    }

    public void WriteBytesField(int fieldNumber, ReadOnlySpan<byte> value)
    {
        WriteVarint((ulong)((fieldNumber << 3) | LengthDelimitedWireType));
        WriteVarint((ulong)value.Length);
        _buffer.Write(value);
    }

    public byte[] ToArray() => _buffer.ToArray();

    /// <summary>Unsigned LEB128, the varint of protobuf and of the multiformats (CID version, codec, multihash).</summary>
    public static void WriteVarint(Stream destination, ulong value)
    {
        while (value >= 0x80)
        {
            destination.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        destination.WriteByte((byte)value);
    }

    private void WriteVarint(ulong value) => WriteVarint(_buffer, value);
}

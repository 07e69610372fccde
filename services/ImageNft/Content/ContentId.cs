using System.Security.Cryptography;
using System.Text;

namespace HybridEhr.ImageNft.Content;

/// <summary>A CIDv1 with a sha2-256 multihash: its binary form and its text form (multibase base32, lower case, "b" prefix).</summary>
public sealed record ContentId(byte[] Bytes)
{
    /// <summary>Multicodec of a raw block (the content itself).</summary>
    public const ulong RawCodec = 0x55;

    /// <summary>Multicodec of a dag-pb node (a UnixFS file node linking to its chunks).</summary>
    public const ulong DagPbCodec = 0x70;

    private const ulong CidVersion1 = 1;
    private const ulong Sha2_256 = 0x12;
    private const int Sha2_256Length = 32;
    private const string Base32Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    public static ContentId ForBlock(ulong codec, ReadOnlySpan<byte> block)
    {
        using var bytes = new MemoryStream();
        ProtobufWriter.WriteVarint(bytes, CidVersion1);
        ProtobufWriter.WriteVarint(bytes, codec);
        ProtobufWriter.WriteVarint(bytes, Sha2_256);
        ProtobufWriter.WriteVarint(bytes, Sha2_256Length);
        bytes.Write(SHA256.HashData(block));
        return new ContentId(bytes.ToArray());
    }

    /// <summary>True for the text of a CIDv1 in base32 as this service writes it (what a token URI may name).</summary>
    public static bool IsWellFormedText(string text) =>
        text.Length is > 8 and <= 128
        && (text.StartsWith("bafk", StringComparison.Ordinal) || text.StartsWith("bafy", StringComparison.Ordinal))
        && text.AsSpan(1).IndexOfAnyExcept(Base32Alphabet) < 0;

    public override string ToString()
    {
        var text = new StringBuilder("b", 1 + ((Bytes.Length * 8) + 4) / 5);
        int buffer = 0, bits = 0;
        foreach (var b in Bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                text.Append(Base32Alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }

        if (bits > 0)
        {
            text.Append(Base32Alphabet[(buffer << (5 - bits)) & 31]);
        }

        return text.ToString();
    }

    public bool Equals(ContentId? other) => other is not null && Bytes.AsSpan().SequenceEqual(other.Bytes);

    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
}

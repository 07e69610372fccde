using System.Numerics;
using System.Text;

namespace HybridEhr.Clients.Ipfs;

/// <summary>
/// Keeps CIDs in one text form whichever node answers: js-ipfs prints v1 CIDs in base58btc ("z…") where Kubo uses
/// base32 ("b…"), and js-ipfs cannot be asked for base32 on calls that may list v0 CIDs.
/// </summary>
public static class CidText
{
    private const string Base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    private const string Base32Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    /// <summary>A v1 CID in base32 stays as it is; in base58btc it is re-encoded to base32; v0 ("Qm…") is left alone.</summary>
    public static string Normalize(string cid)
    {
        ArgumentNullException.ThrowIfNull(cid);
        return cid.Length > 1 && cid[0] == 'z' && TryDecodeBase58(cid.AsSpan(1), out var bytes) ? "b" + EncodeBase32(bytes) : cid;
    }

    private static bool TryDecodeBase58(ReadOnlySpan<char> text, out byte[] bytes)
    {
        var value = BigInteger.Zero;
        foreach (var c in text)
        {
            var digit = Base58Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (digit < 0)
            {
                bytes = [];
                return false;
            }

            value = value * 58 + digit;
        }

        var leadingZeros = 0;
        while (leadingZeros < text.Length && text[leadingZeros] == '1')
        {
            leadingZeros++;
        }

        var body = value.IsZero ? [] : value.ToByteArray(isUnsigned: true, isBigEndian: true);
        bytes = new byte[leadingZeros + body.Length];
        body.CopyTo(bytes, leadingZeros);
        return true;
    }

    private static string EncodeBase32(byte[] bytes)
    {
        var builder = new StringBuilder((bytes.Length * 8 + 4) / 5);
        int buffer = 0, bits = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                builder.Append(Base32Alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }

        if (bits > 0)
        {
            builder.Append(Base32Alphabet[(buffer << (5 - bits)) & 31]);
        }

        return builder.ToString();
    }
}

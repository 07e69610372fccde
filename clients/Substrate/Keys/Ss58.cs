using System.Numerics;
using System.Text;
using HybridEhr.Clients.Substrate.Hashing;

namespace HybridEhr.Clients.Substrate.Keys;

/// <summary>SS58 addresses (base58 of prefix ++ account id ++ 2-byte blake2b-512 checksum), as RPCs such as system_accountNextIndex expect.</summary>
public static class Ss58
{
    public const ushort GenericPrefix = 42;

    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    public static string Encode(ReadOnlySpan<byte> accountId, ushort prefix = GenericPrefix)
    {
        byte[] prefixBytes = prefix < 64
            ? [(byte)prefix]
            : [(byte)(((prefix & 0b1111_1100) >> 2) | 0b0100_0000), (byte)((prefix >> 8) | ((prefix & 0b11) << 6))];
        byte[] body = [.. prefixBytes, .. accountId];
        var checksum = SubstrateHashers.Blake2b([.. "SS58PRE"u8, .. body], 512);
        return Base58([.. body, checksum[0], checksum[1]]);
    }

    public static byte[] Decode(string address)
    {
        var bytes = Base58Decode(address);
        var prefixLength = bytes.Length > 0 && (bytes[0] & 0b0100_0000) != 0 ? 2 : 1;
        if (bytes.Length != prefixLength + 32 + 2)
        {
            throw new FormatException("not an SS58 address of a 32-byte account");
        }

        var checksum = SubstrateHashers.Blake2b([.. "SS58PRE"u8, .. bytes.AsSpan(0, bytes.Length - 2)], 512);
        if (checksum[0] != bytes[^2] || checksum[1] != bytes[^1])
        {
            throw new FormatException("SS58 checksum mismatch");
        }

        return bytes[prefixLength..^2];
    }

    private static string Base58(byte[] bytes)
    {
        var value = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        var text = new StringBuilder();
        while (value > 0)
        {
            value = BigInteger.DivRem(value, 58, out var remainder);
            text.Insert(0, Alphabet[(int)remainder]);
        }

        foreach (var b in bytes)
        {
            if (b != 0)
            {
                break;
            }

            text.Insert(0, '1');
        }

        return text.ToString();
    }

    private static byte[] Base58Decode(string text)
    {
        var value = BigInteger.Zero;
        foreach (var c in text)
        {
            var digit = Alphabet.IndexOf(c, StringComparison.Ordinal);
            value = (value * 58) + (digit >= 0 ? digit : throw new FormatException($"'{c}' is not a base58 digit"));
        }

        var leadingZeros = text.TakeWhile(c => c == '1').Count();
        return [.. new byte[leadingZeros], .. value.IsZero ? [] : value.ToByteArray(isUnsigned: true, isBigEndian: true)];
    }
}

using System.Buffers.Binary;
using System.Text;
using Org.BouncyCastle.Crypto.Digests;

namespace HybridEhr.Clients.Substrate.Hashing;

/// <summary>The hashers a runtime names for storage keys, plus BLAKE2b helpers used for signing and selectors.</summary>
public static class SubstrateHashers
{
    /// <summary>Concatenated little-endian xxHash64 of the input with seeds 0, 1, ... (twox64/128/256).</summary>
    public static byte[] Twox(ReadOnlySpan<byte> input, int bits)
    {
        var output = new byte[bits / 8];
        for (var seed = 0; seed < output.Length / 8; seed++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(output.AsSpan(seed * 8), XxHash64.Hash(input, (ulong)seed));
        }

        return output;
    }

    public static byte[] Twox128(string text) => Twox(Encoding.UTF8.GetBytes(text), 128);

    public static byte[] Blake2b(ReadOnlySpan<byte> input, int bits)
    {
        var digest = new Blake2bDigest(bits);
        digest.BlockUpdate(input.ToArray(), 0, input.Length);
        var output = new byte[bits / 8];
        digest.DoFinal(output, 0);
        return output;
    }

    public static byte[] Blake2b256(ReadOnlySpan<byte> input) => Blake2b(input, 256);

    /// <summary>Hashes one storage map key the way the metadata's hasher says.</summary>
    public static byte[] HashKey(StorageHasher hasher, ReadOnlySpan<byte> key) => hasher switch
    {
        StorageHasher.Blake2_128 => Blake2b(key, 128),
        StorageHasher.Blake2_256 => Blake2b(key, 256),
        StorageHasher.Blake2_128Concat => [.. Blake2b(key, 128), .. key],
        StorageHasher.Twox128 => Twox(key, 128),
        StorageHasher.Twox256 => Twox(key, 256),
        StorageHasher.Twox64Concat => [.. Twox(key, 64), .. key],
        StorageHasher.Identity => key.ToArray(),
        _ => throw new ArgumentOutOfRangeException(nameof(hasher)),
    };

    /// <summary>twox128(pallet prefix) ++ twox128(entry name) ++ hashed keys: the layout of every FRAME storage key.</summary>
    public static byte[] StorageKey(string palletPrefix, string entryName, params (StorageHasher Hasher, byte[] EncodedKey)[] keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var bytes = new List<byte>(64);
        bytes.AddRange(Twox128(palletPrefix));
        bytes.AddRange(Twox128(entryName));
        foreach (var (hasher, encodedKey) in keys)
        {
            bytes.AddRange(HashKey(hasher, encodedKey));
        }

        return [.. bytes];
    }
}

/// <summary>Storage hashers in the order the metadata encodes them.</summary>
public enum StorageHasher
{
    Blake2_128 = 0,
    Blake2_256 = 1,
    Blake2_128Concat = 2,
    Twox128 = 3,
    Twox256 = 4,
    Twox64Concat = 5,
    Identity = 6,
}

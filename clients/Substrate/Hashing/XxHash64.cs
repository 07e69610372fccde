using System.Buffers.Binary;
using System.Numerics;

namespace HybridEhr.Clients.Substrate.Hashing;

/// <summary>xxHash64 (Yann Collet's algorithm), the basis of Substrate's twox storage hashers.</summary>
public static class XxHash64
{
    private const ulong Prime1 = 11400714785074694791UL;
    private const ulong Prime2 = 14029467366897019727UL;
    private const ulong Prime3 = 1609587929392839161UL;
    private const ulong Prime4 = 9650029242287828579UL;
    private const ulong Prime5 = 2870177450012600261UL;

    public static ulong Hash(ReadOnlySpan<byte> input, ulong seed)
    {
        var remaining = input;
        ulong hash;
        if (input.Length >= 32)
        {
            var v1 = unchecked(seed + Prime1 + Prime2);
            var v2 = unchecked(seed + Prime2);
            var v3 = seed;
            var v4 = unchecked(seed - Prime1);
            while (remaining.Length >= 32)
            {
                v1 = Round(v1, BinaryPrimitives.ReadUInt64LittleEndian(remaining));
                v2 = Round(v2, BinaryPrimitives.ReadUInt64LittleEndian(remaining[8..]));
                v3 = Round(v3, BinaryPrimitives.ReadUInt64LittleEndian(remaining[16..]));
                v4 = Round(v4, BinaryPrimitives.ReadUInt64LittleEndian(remaining[24..]));
                remaining = remaining[32..];
            }

            hash = unchecked(BitOperations.RotateLeft(v1, 1) + BitOperations.RotateLeft(v2, 7)
                + BitOperations.RotateLeft(v3, 12) + BitOperations.RotateLeft(v4, 18));
            hash = MergeRound(hash, v1);
            hash = MergeRound(hash, v2);
            hash = MergeRound(hash, v3);
            hash = MergeRound(hash, v4);
        }
        else
        {
            hash = unchecked(seed + Prime5);
        }

        hash = unchecked(hash + (ulong)input.Length);
        while (remaining.Length >= 8)
        {
            var k1 = Round(0, BinaryPrimitives.ReadUInt64LittleEndian(remaining));
            hash = unchecked((BitOperations.RotateLeft(hash ^ k1, 27) * Prime1) + Prime4);
            remaining = remaining[8..];
        }

        if (remaining.Length >= 4)
        {
            hash = unchecked((BitOperations.RotateLeft(hash ^ (BinaryPrimitives.ReadUInt32LittleEndian(remaining) * Prime1), 23) * Prime2) + Prime3);
            remaining = remaining[4..];
        }

        foreach (var b in remaining)
        {
            hash = unchecked(BitOperations.RotateLeft(hash ^ (b * Prime5), 11) * Prime1);
        }

        hash ^= hash >> 33;
        hash = unchecked(hash * Prime2);
        hash ^= hash >> 29;
        hash = unchecked(hash * Prime3);
        hash ^= hash >> 32;
        return hash;
    }

    private static ulong Round(ulong accumulator, ulong lane) =>
        unchecked(BitOperations.RotateLeft(accumulator + (lane * Prime2), 31) * Prime1);

    private static ulong MergeRound(ulong hash, ulong lane) =>
        unchecked(((hash ^ Round(0, lane)) * Prime1) + Prime4);
}

using System.Numerics;

namespace HybridEhr.Clients.Substrate.Extrinsics;

/// <summary>
/// A transaction's validity window. Mortal eras are valid for <see cref="Period"/> blocks from their birth block,
/// so a stale transaction cannot be replayed later; the signature also covers the birth block's hash.
/// </summary>
public sealed record Era(bool IsMortal, ulong Period, ulong Phase)
{
    public static Era Immortal { get; } = new(false, 0, 0);

    /// <summary>A mortal era starting at <paramref name="currentBlock"/>; the period is rounded to a power of two in 4..65536.</summary>
    public static Era Mortal(ulong period, ulong currentBlock)
    {
        var rounded = Math.Clamp(BitOperations.RoundUpToPowerOf2(Math.Max(period, 1)), 4UL, 1UL << 16);
        var quantizeFactor = Math.Max(rounded >> 12, 1);
        var phase = currentBlock % rounded / quantizeFactor * quantizeFactor;
        return new Era(true, rounded, phase);
    }

    /// <summary>The first block the transaction is valid in; its hash goes into the signed payload.</summary>
    public ulong BirthBlock(ulong currentBlock) =>
        IsMortal ? ((Math.Max(currentBlock, Phase) - Phase) / Period * Period) + Phase : 0;

    public byte[] Encode()
    {
        if (!IsMortal)
        {
            return [0];
        }

        var quantizeFactor = Math.Max(Period >> 12, 1);
        var low = (ulong)Math.Clamp(BitOperations.TrailingZeroCount(Period) - 1, 1, 15);
        var encoded = (ushort)(low | (Phase / quantizeFactor << 4));
        return [(byte)encoded, (byte)(encoded >> 8)];
    }
}

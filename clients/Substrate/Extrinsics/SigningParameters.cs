using System.Numerics;

namespace HybridEhr.Clients.Substrate.Extrinsics;

/// <summary>
/// Everything besides the call that a signed extrinsic commits to. <see cref="EraBlockHash"/> is the hash of the
/// era's birth block (the genesis hash for an immortal era).
/// </summary>
public sealed record SigningParameters
{
    public required uint SpecVersion { get; init; }

    public required uint TransactionVersion { get; init; }

    public required byte[] GenesisHash { get; init; }

    public required ulong Nonce { get; init; }

    public required Era Era { get; init; }

    public required byte[] EraBlockHash { get; init; }

    public BigInteger Tip { get; init; } = BigInteger.Zero;
}

namespace HybridEhr.Clients.Substrate.Chain;

public sealed record RuntimeVersion(string SpecName, uint SpecVersion, uint TransactionVersion);

/// <summary>One event of System.Events; <see cref="ExtrinsicIndex"/> is set when the event belongs to an extrinsic.</summary>
public sealed record ChainEvent(
    string Pallet,
    string Name,
    Scale.ScaleValue Fields,
    uint? ExtrinsicIndex,
    IReadOnlyList<byte[]> Topics);

public enum WatchUntil
{
    InBlock,
    Finalized,
}

/// <summary>Where an extrinsic landed and what it caused.</summary>
public sealed record ExtrinsicOutcome(string BlockHash, uint ExtrinsicIndex, bool Finalized, IReadOnlyList<ChainEvent> Events)
{
    /// <summary>The block's number.</summary>
    public ulong BlockNumber { get; init; }

    /// <summary>"0x" + blake2b-256 of the extrinsic: its transaction hash.</summary>
    public string ExtrinsicHash { get; init; } = "";

    public bool Succeeded => Events.Any(e => e is { Pallet: "System", Name: "ExtrinsicSuccess" });
}

/// <summary>The extrinsic was included but failed (System.ExtrinsicFailed), or the pool rejected it.</summary>
public sealed class ExtrinsicFailedException(string message, ExtrinsicOutcome? outcome = null) : Exception(message)
{
    public ExtrinsicOutcome? Outcome => outcome;
}

namespace HybridEhr.Devnet.Ledger;

/// <summary>How to open a devnet ledger.</summary>
public sealed class LedgerOptions
{
    /// <summary>Directory holding the block log (created if missing). One ledger process per directory.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Needed to create a new chain; for an existing one it must match block 0 (or be left null).</summary>
    public GenesisConfig? Genesis { get; init; }

    /// <summary>
    /// Zero: cut a block as soon as the committer is free, with whatever is queued (instant mining, still group
    /// commit under load). Positive: collect for up to this long after the first queued transaction, or until
    /// <see cref="MaxTransactionsPerBlock"/>, then cut.
    /// </summary>
    public TimeSpan BlockTime { get; init; } = TimeSpan.Zero;

    public int MaxTransactionsPerBlock { get; init; } = 2000;

    /// <summary>The clock for block timestamps and block-time waits (tests may substitute one).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

/// <summary>
/// What happened to a submitted transaction. <see cref="BlockHeight"/> is -1 when it was refused before ordering
/// (malformed, wrong chain, bad signature, unknown contract, replayed nonce); otherwise the block that records it,
/// valid or not, is durable on disk.
/// </summary>
public sealed record TransactionOutcome(
    string TxId,
    ValidationCode Code,
    long BlockHeight,
    int TxIndex,
    string? ErrorCode,
    string? Message,
    string? ResultJson,
    IReadOnlyList<ContractEvent> Events)
{
    public bool IsValid => Code == ValidationCode.Valid;

    public string CodeName => Code.ToWireName();
}

/// <summary>The answer to a query: Valid with the result JSON, or a code (UnknownContract, UnknownFunction, ContractError).</summary>
public sealed record QueryOutcome(ValidationCode Code, string? ResultJson, string? ErrorCode, string? Message)
{
    public bool IsValid => Code == ValidationCode.Valid;
}

public sealed record ChainInfo(string ChainId, long Height, string LastBlockHash, long LastBlockTimestamp, string GenesisHash, long TransactionCount);

/// <summary>A committed transaction with where it sits.</summary>
public sealed record CommittedTransaction(long BlockHeight, int TxIndex, long BlockTimestamp, string BlockHash, TransactionRecord Record);

/// <summary>An event of a valid committed transaction, as watchers receive it.</summary>
public sealed record LedgerEvent(long BlockHeight, int TxIndex, string TxId, long BlockTimestamp, string Contract, string Name, string PayloadJson);

/// <summary>What opening the data directory found.</summary>
/// <param name="TruncatedBytes">Bytes of a torn last record that were cut off (never an acknowledged block).</param>
public sealed record RecoveryReport(long BlocksReplayed, long TransactionsReplayed, long TruncatedBytes, string? TruncationReason, TimeSpan Duration);

/// <summary>The outcome of <see cref="DevnetLedger.Verify"/>.</summary>
/// <param name="FirstBadHeight">The first block that fails a check, or null when the chain is intact.</param>
/// <param name="TornTailBytes">Bytes of a torn last record (a crash mid-append): not an error, recovery drops them.</param>
public sealed record VerifyResult(bool IsValid, long BlockCount, long? FirstBadHeight, string Message, long TornTailBytes);

/// <summary>Counters of this process's committer.</summary>
public sealed record LedgerStatistics(long BlocksCommitted, long TransactionsCommitted, long Fsyncs, double MeanFsyncMs, double MaxFsyncMs);

/// <summary>The data directory is damaged before its tail: the ledger refuses to start rather than lose or invent history.</summary>
public sealed class LedgerCorruptedException(long blockHeight, string message) : Exception(message)
{
    public long BlockHeight { get; } = blockHeight;
}

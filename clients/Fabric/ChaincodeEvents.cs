namespace HybridEhr.Clients.Fabric;

/// <summary>An event a chaincode emitted in a committed, valid transaction.</summary>
public sealed record ChaincodeEvent(ulong BlockNumber, string TransactionId, string ChaincodeName, string EventName, byte[] Payload);

/// <summary>Where to start reading chaincode events.</summary>
public sealed record ChaincodeEventsOptions
{
    /// <summary>The first block to read; null = only events committed from now on.</summary>
    public ulong? StartBlock { get; init; }

    /// <summary>Resumes after the last processed event; takes precedence over <see cref="StartBlock"/>.</summary>
    public ChaincodeEventCheckpoint? Checkpoint { get; init; }
}

/// <summary>
/// The position after the last event a reader processed: the block to read from and the last transaction already
/// handled in it. Persist <see cref="BlockNumber"/> and <see cref="TransactionId"/> to resume after a restart.
/// </summary>
public sealed class ChaincodeEventCheckpoint
{
    public ChaincodeEventCheckpoint()
    {
    }

    public ChaincodeEventCheckpoint(ulong blockNumber, string? transactionId)
    {
        BlockNumber = blockNumber;
        TransactionId = transactionId;
    }

    /// <summary>The block to resume from; null when nothing was processed yet.</summary>
    public ulong? BlockNumber { get; private set; }

    /// <summary>The last transaction processed in <see cref="BlockNumber"/>; null = none of that block yet.</summary>
    public string? TransactionId { get; private set; }

    /// <summary>Records that <paramref name="chaincodeEvent"/> has been handled.</summary>
    public void CheckpointEvent(ChaincodeEvent chaincodeEvent)
    {
        BlockNumber = chaincodeEvent.BlockNumber;
        TransactionId = chaincodeEvent.TransactionId;
    }

    /// <summary>Records that every event of <paramref name="blockNumber"/> has been handled.</summary>
    public void CheckpointBlock(ulong blockNumber)
    {
        BlockNumber = blockNumber + 1;
        TransactionId = null;
    }
}

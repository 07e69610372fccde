namespace HybridEhr.Contracts.Events;

/// <summary>
/// What every integration event carries. Events are facts that already happened; consumers react to them and
/// must be idempotent, because the bus delivers at least once.
/// </summary>
/// <remarks>
/// Events hold ids, hashes and times only, never personal data (names, document numbers, e-mails, free text):
/// they are copied to queues, logs and other services that have no right to that data.
/// </remarks>
public interface IIntegrationEvent
{
    /// <summary>Unique per fact; a consumer that has seen this id before skips the message.</summary>
    Guid EventId { get; }

    /// <summary>When the fact happened (the ledger's time when it comes from a chain transaction).</summary>
    DateTimeOffset OccurredAt { get; }
}

using HybridEhr.Contracts.Events;
using HybridEhr.Messaging;

namespace HybridEhr.Records.Application;

/// <summary>Where Records records facts and audit events; returns once they are durable (the outbox publishes them later).</summary>
public interface IEventJournal
{
    Task RecordAsync<T>(T integrationEvent, CancellationToken cancellationToken)
        where T : class, IIntegrationEvent;
}

public sealed class OutboxEventJournal(DurableOutbox outbox) : IEventJournal
{
    public Task RecordAsync<T>(T integrationEvent, CancellationToken cancellationToken)
        where T : class, IIntegrationEvent => outbox.EnqueueAsync(integrationEvent, cancellationToken);
}

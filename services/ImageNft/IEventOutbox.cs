using HybridEhr.Contracts.Events;
using HybridEhr.Messaging;

namespace HybridEhr.ImageNft;

/// <summary>Integration events this service emits (mints and audited reads), recorded durably before the operation is acknowledged.</summary>
public interface IEventOutbox
{
    Task EnqueueAsync<T>(T integrationEvent, CancellationToken cancellationToken)
        where T : class, IIntegrationEvent;
}

/// <summary>The file-journal outbox of HybridEhr.Messaging.</summary>
public sealed class DurableEventOutbox(DurableOutbox outbox) : IEventOutbox
{
    public Task EnqueueAsync<T>(T integrationEvent, CancellationToken cancellationToken)
        where T : class, IIntegrationEvent => outbox.EnqueueAsync(integrationEvent, cancellationToken);
}

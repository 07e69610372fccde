using HybridEhr.Contracts.Events;
using MassTransit;

namespace HybridEhr.Permissions.Hosting;

/// <summary>Publishes integration events (MassTransit in production, a list in tests).</summary>
public interface IIntegrationEventPublisher
{
    Task PublishAsync(IIntegrationEvent integrationEvent, CancellationToken cancellationToken);
}

public sealed class BusIntegrationEventPublisher(IPublishEndpoint bus) : IIntegrationEventPublisher
{
    public Task PublishAsync(IIntegrationEvent integrationEvent, CancellationToken cancellationToken) =>
        bus.Publish(integrationEvent, integrationEvent.GetType(), cancellationToken);
}

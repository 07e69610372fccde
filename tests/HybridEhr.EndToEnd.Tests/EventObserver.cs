using System.Collections.Concurrent;
using HybridEhr.Contracts.Events;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace HybridEhr.EndToEnd.Tests;

/// <summary>
/// An outside subscriber on RabbitMQ (as an audit or analytics system would be): collects the integration events the
/// services publish, so a test can wait for the facts of its flow.
/// </summary>
public sealed class EventObserver : IAsyncDisposable
{
    private readonly ServiceProvider _provider;
    private readonly IBusControl _bus;

    private EventObserver(ServiceProvider provider, IBusControl bus, Inbox inbox)
    {
        _provider = provider;
        _bus = bus;
        Received = inbox;
    }

    public Inbox Received { get; }

    public static async Task<EventObserver> StartAsync(string rabbit)
    {
        var inbox = new Inbox();
        var provider = new ServiceCollection()
            .AddSingleton(inbox)
            .AddMassTransit(bus =>
            {
                bus.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(prefix: "e2e-observer-" + Guid.NewGuid().ToString("N")[..8], includeNamespace: false));
                bus.AddConsumer<Collector<UserRegistered>>();
                bus.AddConsumer<Collector<PermissionGranted>>();
                bus.AddConsumer<Collector<RecordCreated>>();
                bus.AddConsumer<Collector<RecordUpdated>>();
                bus.AddConsumer<Collector<ImageMinted>>();
                bus.AddConsumer<Collector<RecordRead>>();
                bus.UsingRabbitMq((context, transport) =>
                {
                    transport.Host(new Uri(rabbit));
                    transport.ConfigureEndpoints(context);
                });
            })
            .BuildServiceProvider();
        var bus = provider.GetRequiredService<IBusControl>();
        await bus.StartAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        return new EventObserver(provider, bus, inbox);
    }

    public async Task WaitForAsync<T>(Func<T, bool> match)
        where T : class, IIntegrationEvent
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (Received.OfType<T>().Any(match))
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"No {typeof(T).Name} matching the flow arrived over RabbitMQ within 30 s; received: " +
            string.Join(", ", Received.All.Select(e => e.GetType().Name)));
    }

    public async ValueTask DisposeAsync()
    {
        await _bus.StopAsync();
        await _provider.DisposeAsync();
    }
}

public sealed class Inbox
{
    private readonly ConcurrentQueue<IIntegrationEvent> _events = new();

    public IEnumerable<IIntegrationEvent> All => _events;

    public IEnumerable<T> OfType<T>() => _events.OfType<T>();

    public void Add(IIntegrationEvent integrationEvent) => _events.Enqueue(integrationEvent);
}

public sealed class Collector<T>(Inbox inbox) : IConsumer<T>
    where T : class, IIntegrationEvent
{
    public Task Consume(ConsumeContext<T> context)
    {
        inbox.Add(context.Message);
        return Task.CompletedTask;
    }
}

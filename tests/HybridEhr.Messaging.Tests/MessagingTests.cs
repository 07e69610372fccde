using HybridEhr.Contracts.Events;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace HybridEhr.Messaging.Tests;

public sealed class MessagingTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "messaging-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task Idempotent_consumer_handles_a_redelivered_event_once_even_after_a_restart()
    {
        var log = Path.Combine(_directory, "processed");
        var read = NewRead();

        await using (var first = await StartAsync(new ProcessedEventLog(log)))
        {
            await first.Harness.Bus.Publish(read);
            await first.Harness.Bus.Publish(read);
            Assert.True(await first.Harness.Consumed.Any<RecordRead>());
            await first.Harness.InactivityTask;
            Assert.Equal(1, first.Counter.Count);
        }

        // A new process with the same log: the same event again is recognised.
        await using var second = await StartAsync(new ProcessedEventLog(log));
        await second.Harness.Bus.Publish(read);
        await second.Harness.Bus.Publish(NewRead());
        await second.Harness.InactivityTask;
        Assert.Equal(1, second.Counter.Count);
    }

    [Fact]
    public async Task Outbox_publishes_every_enqueued_event_once_and_survives_a_torn_last_line()
    {
        var events = Enumerable.Range(0, 3).Select(_ => NewRead()).ToList();
        await using (var system = await StartAsync(new ProcessedEventLog(Path.Combine(_directory, "p1"))))
        {
            var outbox = new DurableOutbox(Path.Combine(_directory, "outbox"), system.Provider, NullLogger<DurableOutbox>.Instance);
            foreach (var e in events)
            {
                await outbox.EnqueueAsync(e);
            }

            // A crash in the middle of an append leaves half a line: it was never acknowledged and must not be published.
            await File.AppendAllTextAsync(Path.Combine(_directory, "outbox", "outbox.journal"), "HybridEhr.Contracts.Events.RecordRead\t{\"EventId\":");
            await outbox.StartAsync(default);
            await WaitUntil(() => system.Counter.Count == 3);
            await outbox.StopAsync(default);
        }

        // Restarted: the journal is read again from the recorded position, so nothing is published twice.
        await using var restarted = await StartAsync(new ProcessedEventLog(Path.Combine(_directory, "p2")));
        var again = new DurableOutbox(Path.Combine(_directory, "outbox"), restarted.Provider, NullLogger<DurableOutbox>.Instance);
        await again.StartAsync(default);
        await Task.Delay(500);
        await again.StopAsync(default);
        Assert.Equal(0, restarted.Counter.Count);
    }

    [Fact]
    public async Task Outbox_publishes_an_event_in_the_trace_that_enqueued_it_and_still_reads_lines_without_a_trace()
    {
        var published = new System.Collections.Concurrent.ConcurrentQueue<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == "HybridEhr.Messaging",
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = published.Enqueue,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        await using var system = await StartAsync(new ProcessedEventLog(Path.Combine(_directory, "p")));
        var outbox = new DurableOutbox(Path.Combine(_directory, "outbox"), system.Provider, NullLogger<DurableOutbox>.Instance);

        // A line as the outbox wrote it before it kept traces: type and event only.
        var old = NewRead();
        await File.WriteAllTextAsync(Path.Combine(_directory, "outbox", "outbox.journal"),
            typeof(RecordRead).FullName + "\t" + System.Text.Json.JsonSerializer.Serialize(old) + "\n");
        using (var call = new System.Diagnostics.Activity("the call that caused the event").SetIdFormat(System.Diagnostics.ActivityIdFormat.W3C).Start())
        {
            await outbox.EnqueueAsync(NewRead());
            call.Stop();
            await outbox.StartAsync(default);
            await WaitUntil(() => system.Counter.Count == 2);
            await outbox.StopAsync(default);

            var inTrace = Assert.Single(published);
            Assert.Equal(call.TraceId, inTrace.TraceId);
            Assert.Equal(call.SpanId, inTrace.ParentSpanId);
            Assert.Equal(System.Diagnostics.ActivityKind.Producer, inTrace.Kind);
        }
    }

    private static RecordRead NewRead() => new(Guid.NewGuid(), DateTimeOffset.UtcNow, "r-1", 1, "0xpatient", "0xdoctor",
        AccountRole.Doctor, AccessBasis.Grant, "grt_1", null, null, null);

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition(), "timed out");
    }

    private static async Task<TestSystem> StartAsync(ProcessedEventLog log)
    {
        var counter = new HandledCounter();
        var provider = new ServiceCollection()
            .AddSingleton(log)
            .AddSingleton(counter)
            .AddMassTransitTestHarness(bus => bus.AddConsumer<CountingConsumer>())
            .BuildServiceProvider(validateScopes: true);
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        return new TestSystem(provider, harness, counter);
    }

    private sealed record TestSystem(ServiceProvider Provider, ITestHarness Harness, HandledCounter Counter) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Harness.Stop();
            await Provider.DisposeAsync();
        }
    }

    public sealed class HandledCounter
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Increment() => Interlocked.Increment(ref _count);
    }

    public sealed class CountingConsumer(ProcessedEventLog log, HandledCounter counter) : IdempotentConsumer<RecordRead>(log)
    {
        protected override Task HandleAsync(RecordRead message, CancellationToken cancellationToken)
        {
            counter.Increment();
            return Task.CompletedTask;
        }
    }
}

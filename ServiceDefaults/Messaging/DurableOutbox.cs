using System.Diagnostics;
using System.Text;
using System.Text.Json;
using HybridEhr.Contracts.Events;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HybridEhr.Messaging;

/// <summary>
/// A file-backed outbox: an event is appended to a journal and flushed to disk before the operation that caused it
/// is acknowledged; a background dispatcher publishes journal entries in order and records how far it got. A crash
/// between the two only means an event is published again after restart, which idempotent consumers (keyed by
/// <see cref="IIntegrationEvent.EventId"/>) absorb. Nothing is lost. Each entry keeps the trace of the operation
/// that caused it, and is published inside that trace, so its consumers appear in the same trace as the call.
/// </summary>
public sealed partial class DurableOutbox : BackgroundService
{
    private readonly string _journalPath;
    private readonly string _positionPath;
    private readonly IServiceProvider _services;
    private readonly ILogger<DurableOutbox> _logger;
    private readonly SemaphoreSlim _appendLock = new(1, 1);
    private readonly SemaphoreSlim _signal = new(0);
    private static readonly ActivitySource Telemetry = new("HybridEhr.Messaging");

    public DurableOutbox(string directory, IServiceProvider services, ILogger<DurableOutbox> logger)
    {
        Directory.CreateDirectory(directory);
        _journalPath = Path.Combine(directory, "outbox.journal");
        _positionPath = Path.Combine(directory, "outbox.position");
        _services = services;
        _logger = logger;
    }

    /// <summary>Durably records <paramref name="integrationEvent"/> for publication; returns once it is on disk.</summary>
    public async Task EnqueueAsync<T>(T integrationEvent, CancellationToken cancellationToken = default)
        where T : class, IIntegrationEvent
    {
        // Journal line: type, event (JSON escapes every tab inside it), and the W3C traceparent of the caller, if any.
        var line = typeof(T).FullName + "\t" + JsonSerializer.Serialize(integrationEvent) + "\t" + Activity.Current?.Id + "\n";
        await _appendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var journal = new FileStream(_journalPath, FileMode.Append, FileAccess.Write, FileShare.Read, 4096, FileOptions.WriteThrough);
            await journal.WriteAsync(Encoding.UTF8.GetBytes(line), cancellationToken).ConfigureAwait(false);
            journal.Flush(flushToDisk: true);
        }
        finally
        {
            _appendLock.Release();
        }

        _signal.Release();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await DispatchPendingAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogDispatchFailed(_logger, ex);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }

            await ((Task)_signal.WaitAsync(TimeSpan.FromSeconds(5), stoppingToken)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task DispatchPendingAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(_journalPath))
        {
            return;
        }

        var position = File.Exists(_positionPath) ? long.Parse(await File.ReadAllTextAsync(_positionPath, cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) : 0;
        await using var journal = new FileStream(_journalPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        if (journal.Length <= position)
        {
            return;
        }

        journal.Position = position;
        using var reader = new StreamReader(journal, Encoding.UTF8);
        // The bus itself (a singleton) publishes; IPublishEndpoint is scoped and must not come from the root provider.
        var publisher = _services.GetRequiredService<IBus>();
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            var lineBytes = Encoding.UTF8.GetByteCount(line) + 1;
            // A line without its newline is a torn append (crash mid-write): it was never acknowledged; stop before it.
            if (position + lineBytes > journal.Length)
            {
                break;
            }

            var (typeName, json, traceParent) = ParseLine(line);
            var type = typeof(IIntegrationEvent).Assembly.GetType(typeName);
            if (type is not null && typeof(IIntegrationEvent).IsAssignableFrom(type))
            {
                var integrationEvent = JsonSerializer.Deserialize(json, type)!;
                using var activity = ActivityContext.TryParse(traceParent, null, out var parent)
                    ? Telemetry.StartActivity($"outbox publish {type.Name}", ActivityKind.Producer, parent)
                    : null;
                await publisher.Publish(integrationEvent, type, cancellationToken).ConfigureAwait(false);
            }

            position += lineBytes;
            await WritePositionAsync(position, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Type, event JSON and traceparent of a journal line; lines written before traces were kept have no third field.</summary>
    private static (string Type, string Json, string? TraceParent) ParseLine(string line)
    {
        var first = line.IndexOf('\t', StringComparison.Ordinal);
        var last = line.LastIndexOf('\t');
        return last == first
            ? (line[..first], line[(first + 1)..], null)
            : (line[..first], line[(first + 1)..last], last + 1 < line.Length ? line[(last + 1)..] : null);
    }

    private async Task WritePositionAsync(long position, CancellationToken cancellationToken)
    {
        var temporary = _positionPath + ".tmp";
        await File.WriteAllTextAsync(temporary, position.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        File.Move(temporary, _positionPath, overwrite: true);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing outbox events failed; retrying")]
    private static partial void LogDispatchFailed(ILogger logger, Exception exception);
}

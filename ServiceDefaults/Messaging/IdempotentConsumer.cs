using HybridEhr.Contracts.Events;
using MassTransit;

namespace HybridEhr.Messaging;

/// <summary>
/// The ids of events already handled, kept in an append-only file that is flushed to disk after each id, so a
/// redelivered event (at-least-once transports, a republished chain event, a replayed outbox) is recognised
/// after a restart too.
/// </summary>
public sealed class ProcessedEventLog
{
    private readonly string _path;
    private readonly HashSet<Guid> _seen = [];
    private readonly Lock _lock = new();

    public ProcessedEventLog(string path)
    {
        _path = path;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        if (File.Exists(path))
        {
            foreach (var line in File.ReadLines(path))
            {
                // A torn last line (crash mid-append) is not a valid id and is ignored: that event is handled again.
                if (Guid.TryParseExact(line, "N", out var id))
                {
                    _seen.Add(id);
                }
            }
        }
    }

    public bool Contains(Guid eventId)
    {
        lock (_lock)
        {
            return _seen.Contains(eventId);
        }
    }

    public void Add(Guid eventId)
    {
        lock (_lock)
        {
            if (!_seen.Add(eventId))
            {
                return;
            }

            using var file = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read);
            file.Write(System.Text.Encoding.ASCII.GetBytes(eventId.ToString("N") + "\n"));
            file.Flush(flushToDisk: true);
        }
    }
}

/// <summary>
/// A consumer that handles each event once: events whose id was handled before are skipped. The handler runs
/// before the id is recorded, so a crash in between repeats the handler: handlers must tolerate that (e.g. by
/// keying what they write on the event id), which is what makes the whole at-least-once chain exactly-once in effect.
/// </summary>
public abstract class IdempotentConsumer<T>(ProcessedEventLog processed) : IConsumer<T>
    where T : class, IIntegrationEvent
{
    public async Task Consume(ConsumeContext<T> context)
    {
        if (processed.Contains(context.Message.EventId))
        {
            return;
        }

        await HandleAsync(context.Message, context.CancellationToken).ConfigureAwait(false);
        processed.Add(context.Message.EventId);
    }

    protected abstract Task HandleAsync(T message, CancellationToken cancellationToken);
}

using System.Security.Cryptography;
using System.Text;
using HybridEhr.Contracts.Events;
using HybridEhr.Messaging;

namespace HybridEhr.Identity.Events;

/// <summary>Where Identity records the facts others react to; an event is durable once the call returns.</summary>
public interface IIntegrationEventSink
{
    Task EnqueueAsync<T>(T integrationEvent, CancellationToken cancellationToken)
        where T : class, IIntegrationEvent;
}

/// <summary>The production sink: the file-backed outbox, published in the background.</summary>
public sealed class OutboxEventSink(DurableOutbox outbox) : IIntegrationEventSink
{
    public Task EnqueueAsync<T>(T integrationEvent, CancellationToken cancellationToken)
        where T : class, IIntegrationEvent => outbox.EnqueueAsync(integrationEvent, cancellationToken);
}

/// <summary>
/// Event ids derived from what the event is about (RFC 4122 version 5 style, SHA-256 truncated), so re-recording the
/// same fact after a crash gives the same id and consumers drop the duplicate.
/// </summary>
public static class EventIds
{
    public static Guid For(string kind, string subject)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("hybridehr-identity:" + kind + ":" + subject));
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}

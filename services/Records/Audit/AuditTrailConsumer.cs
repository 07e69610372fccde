using System.Text.Json;
using HybridEhr.Contracts.Events;
using HybridEhr.Messaging;

namespace HybridEhr.Records.Audit;

/// <summary>
/// Keeps the audit trail of EHR reads: every RecordRead event (from Records itself and, over RabbitMQ, from ImageNft
/// for images) appended once to an append-only journal in the data directory, keyed by event id.
/// </summary>
public sealed class AuditTrailConsumer(AuditTrail trail, ProcessedEventLog processed) : IdempotentConsumer<RecordRead>(processed)
{
    protected override Task HandleAsync(RecordRead message, CancellationToken cancellationToken) => trail.AppendAsync(message, cancellationToken);
}

/// <summary>The audit journal: one JSON line per read, flushed to disk before the event counts as handled.</summary>
public sealed class AuditTrail(string path)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public string Path { get; } = path;

    public async Task AppendAsync(RecordRead read, CancellationToken cancellationToken)
    {
        var line = JsonSerializer.Serialize(read) + "\n";
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await using var file = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
            await file.WriteAsync(System.Text.Encoding.UTF8.GetBytes(line), cancellationToken);
            file.Flush(flushToDisk: true);
        }
        finally
        {
            _gate.Release();
        }
    }
}

namespace HybridEhr.Grpc.Server;

public sealed class GrpcServerOptions
{
    /// <summary>Largest request message accepted (after decompression); larger ones end the call with RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageSize { get; set; } = GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>Largest response message sent; null = no limit.</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>"gzip" to compress responses for callers that accept it; null to send them as they are.</summary>
    public string? ResponseCompression { get; set; }

    /// <summary>
    /// Put exception messages into INTERNAL statuses. Development only: messages can reveal internals, so the
    /// default sends a generic message with a correlation id and logs the details.
    /// </summary>
    public bool EnableDetailedErrors { get; set; }
}

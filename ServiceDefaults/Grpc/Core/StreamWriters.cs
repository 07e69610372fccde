namespace HybridEhr.Grpc;

/// <summary>Writes messages to a response stream (server side). One write at a time.</summary>
public interface IServerStreamWriter<in T>
{
    Task WriteAsync(T message, CancellationToken cancellationToken = default);
}

/// <summary>Writes messages to a request stream and says when it is done (client side). One write at a time.</summary>
public interface IClientStreamWriter<in T>
{
    Task WriteAsync(T message, CancellationToken cancellationToken = default);

    /// <summary>Ends the request stream; the server then sees the end of its input.</summary>
    Task CompleteAsync();
}

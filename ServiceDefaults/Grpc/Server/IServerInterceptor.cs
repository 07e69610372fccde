namespace HybridEhr.Grpc.Server;

/// <summary>Continues a call: the next interceptor, or the handler itself.</summary>
public delegate Task ServerCallContinuation(ServerCallContext context);

/// <summary>
/// Wraps every call of a server, in registration order (first registered = outermost). Use it for authentication,
/// logging, metrics. Throw <see cref="RpcException"/> to end the call with a status; exceptions from the handler
/// pass through it, so it can observe failures.
/// </summary>
public interface IServerInterceptor
{
    Task InterceptAsync(ServerCallContext context, ServerCallContinuation next);
}

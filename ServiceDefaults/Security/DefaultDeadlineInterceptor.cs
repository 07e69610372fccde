using Grpc.Core;
using Grpc.Core.Interceptors;

namespace HybridEhr.Security;

/// <summary>
/// Every unary call between our services ends: one made without a deadline gets <see cref="Default"/>, so a peer
/// that hangs cannot hold a caller (and the user waiting on it) forever. Streams are long-lived by design and keep
/// whatever their caller set.
/// </summary>
public sealed class DefaultDeadlineInterceptor : Interceptor
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(30);

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        if (context.Options.Deadline is null)
        {
            context = new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithDeadline(DateTime.UtcNow + Default));
        }

        return continuation(request, context);
    }
}

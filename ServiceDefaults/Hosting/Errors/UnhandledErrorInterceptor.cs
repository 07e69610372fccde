using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace HybridEhr.ServiceDefaults.Errors;

/// <summary>
/// A handler that fails with anything but an <see cref="RpcException"/> answers INTERNAL with an error id the caller
/// can quote, and the exception is logged under that id. Its message stays in the log: it can reveal internals.
/// A call the caller cancelled (or whose deadline passed) is not an error of ours and is left to the framework.
/// </summary>
public sealed partial class UnhandledErrorInterceptor(ILogger<UnhandledErrorInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception error) when (IsUnexpected(error, context))
        {
            throw Internal(error, context);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context).ConfigureAwait(false);
        }
        catch (Exception error) when (IsUnexpected(error, context))
        {
            throw Internal(error, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception error) when (IsUnexpected(error, context))
        {
            throw Internal(error, context);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception error) when (IsUnexpected(error, context))
        {
            throw Internal(error, context);
        }
    }

    private static bool IsUnexpected(Exception error, ServerCallContext context) =>
        error is not RpcException && !(error is OperationCanceledException && context.CancellationToken.IsCancellationRequested);

    private RpcException Internal(Exception error, ServerCallContext context)
    {
        var errorId = Guid.NewGuid().ToString("N")[..12];
        LogUnhandled(logger, error, context.Method, errorId);
        return new RpcException(new Status(StatusCode.Internal,
            $"The service failed unexpectedly (error id {errorId}); nothing about it was sent to you. Quote the id to the operators."));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} failed unexpectedly (error id {ErrorId})")]
    private static partial void LogUnhandled(ILogger logger, Exception error, string method, string errorId);
}

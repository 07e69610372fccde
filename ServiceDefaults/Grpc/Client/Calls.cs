using System.Runtime.CompilerServices;
using Google.Protobuf;

namespace HybridEhr.Grpc.Client;

/// <summary>A unary call in flight: await it for the response; headers, status and trailers stay readable after.</summary>
public sealed class AsyncUnaryCall<TResponse> : IDisposable
{
    private readonly IDisposable _call;
    private readonly Func<Status> _status;
    private readonly Func<Metadata> _trailers;

    internal AsyncUnaryCall(Task<TResponse> response, Task<Metadata> headers, Func<Status> status, Func<Metadata> trailers, IDisposable call)
    {
        ResponseAsync = response;
        ResponseHeadersAsync = headers;
        _status = status;
        _trailers = trailers;
        _call = call;
    }

    public Task<TResponse> ResponseAsync { get; }

    public Task<Metadata> ResponseHeadersAsync { get; }

    public Status GetStatus() => _status();

    public Metadata GetTrailers() => _trailers();

    public TaskAwaiter<TResponse> GetAwaiter() => ResponseAsync.GetAwaiter();

    public void Dispose() => _call.Dispose();
}

/// <summary>A server-streaming call: read <see cref="ResponseStream"/> to the end; dispose to cancel early.</summary>
public sealed class AsyncServerStreamingCall<TResponse> : IDisposable
{
    private readonly IDisposable _call;
    private readonly Func<Status> _status;
    private readonly Func<Metadata> _trailers;

    internal AsyncServerStreamingCall(IAsyncEnumerable<TResponse> responses, Task<Metadata> headers, Func<Status> status, Func<Metadata> trailers, IDisposable call)
    {
        ResponseStream = responses;
        ResponseHeadersAsync = headers;
        _status = status;
        _trailers = trailers;
        _call = call;
    }

    /// <summary>The responses; enumerate once. Ends normally on OK, throws <see cref="RpcException"/> otherwise.</summary>
    public IAsyncEnumerable<TResponse> ResponseStream { get; }

    public Task<Metadata> ResponseHeadersAsync { get; }

    public Status GetStatus() => _status();

    public Metadata GetTrailers() => _trailers();

    public void Dispose() => _call.Dispose();
}

/// <summary>A client-streaming call: write requests, complete the stream, then await the response.</summary>
public sealed class AsyncClientStreamingCall<TRequest, TResponse> : IDisposable
{
    private readonly IDisposable _call;
    private readonly Func<Status> _status;
    private readonly Func<Metadata> _trailers;

    internal AsyncClientStreamingCall(
        IClientStreamWriter<TRequest> requests, Task<TResponse> response, Task<Metadata> headers,
        Func<Status> status, Func<Metadata> trailers, IDisposable call)
    {
        RequestStream = requests;
        ResponseAsync = response;
        ResponseHeadersAsync = headers;
        _status = status;
        _trailers = trailers;
        _call = call;
    }

    public IClientStreamWriter<TRequest> RequestStream { get; }

    public Task<TResponse> ResponseAsync { get; }

    public Task<Metadata> ResponseHeadersAsync { get; }

    public Status GetStatus() => _status();

    public Metadata GetTrailers() => _trailers();

    public TaskAwaiter<TResponse> GetAwaiter() => ResponseAsync.GetAwaiter();

    public void Dispose() => _call.Dispose();
}

/// <summary>A bidirectional call: write requests and read responses concurrently.</summary>
public sealed class AsyncDuplexStreamingCall<TRequest, TResponse> : IDisposable
{
    private readonly IDisposable _call;
    private readonly Func<Status> _status;
    private readonly Func<Metadata> _trailers;

    internal AsyncDuplexStreamingCall(
        IClientStreamWriter<TRequest> requests, IAsyncEnumerable<TResponse> responses, Task<Metadata> headers,
        Func<Status> status, Func<Metadata> trailers, IDisposable call)
    {
        RequestStream = requests;
        ResponseStream = responses;
        ResponseHeadersAsync = headers;
        _status = status;
        _trailers = trailers;
        _call = call;
    }

    public IClientStreamWriter<TRequest> RequestStream { get; }

    public IAsyncEnumerable<TResponse> ResponseStream { get; }

    public Task<Metadata> ResponseHeadersAsync { get; }

    public Status GetStatus() => _status();

    public Metadata GetTrailers() => _trailers();

    public void Dispose() => _call.Dispose();
}

/// <summary>Starts calls on a channel. Typed clients derive from <see cref="GrpcClient"/> and add one line per method.</summary>
public static class GrpcCalls
{
    public static AsyncUnaryCall<TResponse> Unary<TRequest, TResponse>(
        this GrpcChannel channel, Method<TRequest, TResponse> method, TRequest request, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        var call = new ClientCall<TRequest, TResponse>(channel, method, options);
        call.StartUnaryRequest(request);
        return new AsyncUnaryCall<TResponse>(CompleteAsync(call), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call);

        static async Task<TResponse> CompleteAsync(ClientCall<TRequest, TResponse> call)
        {
            using (call)
            {
                return await call.ReadSingleResponseAsync().ConfigureAwait(false);
            }
        }
    }

    public static AsyncServerStreamingCall<TResponse> ServerStreaming<TRequest, TResponse>(
        this GrpcChannel channel, Method<TRequest, TResponse> method, TRequest request, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        var call = new ClientCall<TRequest, TResponse>(channel, method, options);
        call.StartUnaryRequest(request);
        call.ObserveResponseHeaders();
        return new AsyncServerStreamingCall<TResponse>(call.ReadAllResponsesAsync(), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call);
    }

    public static AsyncClientStreamingCall<TRequest, TResponse> ClientStreaming<TRequest, TResponse>(
        this GrpcChannel channel, Method<TRequest, TResponse> method, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        var call = new ClientCall<TRequest, TResponse>(channel, method, options);
        call.StartStreamingRequest();
        return new AsyncClientStreamingCall<TRequest, TResponse>(
            call.RequestStream, CompleteAsync(call), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call);

        static async Task<TResponse> CompleteAsync(ClientCall<TRequest, TResponse> call)
        {
            using (call)
            {
                return await call.ReadSingleResponseAsync().ConfigureAwait(false);
            }
        }
    }

    public static AsyncDuplexStreamingCall<TRequest, TResponse> DuplexStreaming<TRequest, TResponse>(
        this GrpcChannel channel, Method<TRequest, TResponse> method, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        var call = new ClientCall<TRequest, TResponse>(channel, method, options);
        call.StartStreamingRequest();
        call.ObserveResponseHeaders();
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(
            call.RequestStream, call.ReadAllResponsesAsync(), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call);
    }
}

/// <summary>Base of typed clients: holds the channel and default options for every call.</summary>
public abstract class GrpcClient(GrpcChannel channel)
{
    protected GrpcChannel Channel { get; } = channel;
}

using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace HybridEhr.Grpc.Server;

/// <summary>Runs one bound method: reads its requests, calls the implementation, writes its responses.</summary>
internal abstract class ServerMethodHandler(MethodDescriptor descriptor)
{
    public MethodDescriptor Descriptor { get; } = descriptor;

    public string Path { get; } = $"/{descriptor.Service.FullName}/{descriptor.Name}";

    public abstract Task InvokeAsync(ServerCall call);

    /// <summary>The implementation from DI (register it to control its lifetime), else a new one built with DI.</summary>
    protected static TService ResolveService<TService>(ServerCall call)
        where TService : class
    {
        var services = call.Context.HttpContext.RequestServices;
        return services.GetService<TService>() ?? (TService)Factory<TService>.Create(services, null);
    }

    private static class Factory<TService>
    {
        public static readonly ObjectFactory Create = ActivatorUtilities.CreateFactory(typeof(TService), Type.EmptyTypes);
    }
}

internal sealed class UnaryHandler<TService, TRequest, TResponse>(
    MethodDescriptor descriptor, Func<TService, TRequest, ServerCallContext, Task<TResponse>> invoker)
    : ServerMethodHandler(descriptor)
    where TService : class
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly MessageParser<TRequest> _parser = (MessageParser<TRequest>)descriptor.InputType.Parser;

    public override async Task InvokeAsync(ServerCall call)
    {
        var request = await call.ReadSingleRequestAsync(_parser).ConfigureAwait(false);
        var response = await invoker(ResolveService<TService>(call), request, call.Context).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"{Path} returned no response message.");
        await call.WriteResponseAsync(response, flush: false, call.Context.CancellationToken).ConfigureAwait(false);
    }
}

internal sealed class ServerStreamingHandler<TService, TRequest, TResponse>(
    MethodDescriptor descriptor, Func<TService, TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> invoker)
    : ServerMethodHandler(descriptor)
    where TService : class
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly MessageParser<TRequest> _parser = (MessageParser<TRequest>)descriptor.InputType.Parser;

    public override async Task InvokeAsync(ServerCall call)
    {
        var request = await call.ReadSingleRequestAsync(_parser).ConfigureAwait(false);
        await invoker(ResolveService<TService>(call), request, new ResponseWriter<TResponse>(call), call.Context).ConfigureAwait(false);
    }
}

internal sealed class ClientStreamingHandler<TService, TRequest, TResponse>(
    MethodDescriptor descriptor, Func<TService, IAsyncEnumerable<TRequest>, ServerCallContext, Task<TResponse>> invoker)
    : ServerMethodHandler(descriptor)
    where TService : class
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly MessageParser<TRequest> _parser = (MessageParser<TRequest>)descriptor.InputType.Parser;

    public override async Task InvokeAsync(ServerCall call)
    {
        var response = await invoker(ResolveService<TService>(call), call.ReadAllRequestsAsync(_parser), call.Context).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"{Path} returned no response message.");
        await call.WriteResponseAsync(response, flush: false, call.Context.CancellationToken).ConfigureAwait(false);
    }
}

internal sealed class DuplexStreamingHandler<TService, TRequest, TResponse>(
    MethodDescriptor descriptor,
    Func<TService, IAsyncEnumerable<TRequest>, IServerStreamWriter<TResponse>, ServerCallContext, Task> invoker)
    : ServerMethodHandler(descriptor)
    where TService : class
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly MessageParser<TRequest> _parser = (MessageParser<TRequest>)descriptor.InputType.Parser;

    public override Task InvokeAsync(ServerCall call) =>
        invoker(ResolveService<TService>(call), call.ReadAllRequestsAsync(_parser), new ResponseWriter<TResponse>(call), call.Context);
}

internal sealed class ResponseWriter<TResponse>(ServerCall call) : IServerStreamWriter<TResponse>
    where TResponse : class, IMessage<TResponse>
{
    public Task WriteAsync(TResponse message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return call.WriteResponseAsync(message, flush: true, cancellationToken);
    }
}

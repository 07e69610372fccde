using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Net.Client;

namespace HybridEhr.Testing;

/// <summary>
/// A test's client of any of our services, typed by message: each RPC has its own request and response types, so
/// <c>Call&lt;RegisterRequest, RegisterResponse&gt;(request, token)</c> finds the method. Calls carry the bearer
/// token as a frontend would send it, and a deadline. Production code uses the generated clients instead.
/// </summary>
public sealed class ServiceClient(CallInvoker invoker, ServiceDescriptor service)
{
    public ServiceClient(string address, ServiceDescriptor service)
        : this(GrpcChannel.ForAddress(address).CreateCallInvoker(), service)
    {
    }

    public ServiceDescriptor Service => service;

    public async Task<TResponse> Call<TRequest, TResponse>(TRequest request, string? token = null, TimeSpan? timeout = null)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        await invoker.AsyncUnaryCall(GrpcMethods.Create<TRequest, TResponse>(service), null, Options(token, timeout ?? TimeSpan.FromSeconds(30), default), request);

    public AsyncServerStreamingCall<TResponse> ServerStream<TRequest, TResponse>(TRequest request, string? token = null, CancellationToken cancellationToken = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        invoker.AsyncServerStreamingCall(GrpcMethods.Create<TRequest, TResponse>(service), null, Options(token, null, cancellationToken), request);

    public AsyncClientStreamingCall<TRequest, TResponse> ClientStream<TRequest, TResponse>(string? token = null)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        invoker.AsyncClientStreamingCall(GrpcMethods.Create<TRequest, TResponse>(service), null, Options(token, TimeSpan.FromSeconds(60), default));

    private static CallOptions Options(string? token, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var headers = new Metadata();
        if (token is not null)
        {
            headers.Add("authorization", "Bearer " + token);
        }

        return new CallOptions(headers, timeout is { } t ? DateTime.UtcNow + t : null, cancellationToken);
    }
}

/// <summary>gRPC method definitions built from a generated service descriptor, for calls made by message type.</summary>
public static class GrpcMethods
{
    /// <summary>The method of <paramref name="service"/> that takes <typeparamref name="TRequest"/> and returns <typeparamref name="TResponse"/>.</summary>
    public static Method<TRequest, TResponse> Create<TRequest, TResponse>(ServiceDescriptor service)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        var method = service.Methods.SingleOrDefault(m => m.InputType.ClrType == typeof(TRequest) && m.OutputType.ClrType == typeof(TResponse))
            ?? throw new ArgumentException($"{service.FullName} has no method taking {typeof(TRequest).Name} and returning {typeof(TResponse).Name}.");
        return Create<TRequest, TResponse>(method);
    }

    /// <summary>The method <paramref name="name"/> of <paramref name="service"/>, checked against the types asked for.</summary>
    public static Method<TRequest, TResponse> Create<TRequest, TResponse>(ServiceDescriptor service, string name)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        Create<TRequest, TResponse>(service.FindMethodByName(name) ?? throw new ArgumentException($"{service.FullName} has no method {name}.", nameof(name)));

    private static Method<TRequest, TResponse> Create<TRequest, TResponse>(MethodDescriptor method)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        if (method.InputType.ClrType != typeof(TRequest) || method.OutputType.ClrType != typeof(TResponse))
        {
            throw new ArgumentException($"{method.FullName} does not take {typeof(TRequest).Name} and return {typeof(TResponse).Name}.");
        }

        var type = (method.IsClientStreaming, method.IsServerStreaming) switch
        {
            (false, false) => MethodType.Unary,
            (true, false) => MethodType.ClientStreaming,
            (false, true) => MethodType.ServerStreaming,
            (true, true) => MethodType.DuplexStreaming,
        };
        return new Method<TRequest, TResponse>(type, method.Service.FullName, method.Name,
            Marshallers.Create(message => message.ToByteArray(), Parser<TRequest>(method.InputType)),
            Marshallers.Create(message => message.ToByteArray(), Parser<TResponse>(method.OutputType)));
    }

    private static Func<byte[], T> Parser<T>(MessageDescriptor descriptor)
        where T : class, IMessage<T> =>
        bytes => (T)descriptor.Parser.ParseFrom(bytes);
}

/// <summary>Calls by method definition on a channel, for tests that name the method they exercise.</summary>
public static class ChannelCalls
{
    public static AsyncUnaryCall<TResponse> Unary<TRequest, TResponse>(this ChannelBase channel, Method<TRequest, TResponse> method, TRequest request, CallOptions options)
        where TRequest : class
        where TResponse : class =>
        channel.CreateCallInvoker().AsyncUnaryCall(method, null, options, request);

    public static AsyncServerStreamingCall<TResponse> ServerStreaming<TRequest, TResponse>(
        this ChannelBase channel, Method<TRequest, TResponse> method, TRequest request, CallOptions options)
        where TRequest : class
        where TResponse : class =>
        channel.CreateCallInvoker().AsyncServerStreamingCall(method, null, options, request);
}

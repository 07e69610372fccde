using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace HybridEhr.Grpc.Client;

/// <summary>
/// A client for any service, typed by message (no per-service code needed): each RPC has its own request and response types, so
/// <c>Call&lt;RegisterRequest, RegisterResponse&gt;(request)</c> finds the method. Calls carry a bearer token
/// when one is given, exactly as a frontend would send it.
/// </summary>
public sealed class ServiceClient(GrpcChannel channel, ServiceDescriptor service)
{
    public ServiceDescriptor Service => service;

    public async Task<TResponse> Call<TRequest, TResponse>(TRequest request, string? token = null, TimeSpan? timeout = null)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        await channel.Unary(Method<TRequest, TResponse>(), request, Options(token, timeout)).ResponseAsync;

    public AsyncServerStreamingCall<TResponse> ServerStream<TRequest, TResponse>(TRequest request, string? token = null, CancellationToken cancellationToken = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        channel.ServerStreaming(Method<TRequest, TResponse>(), request, Options(token, null) with { CancellationToken = cancellationToken, Deadline = null });

    public AsyncClientStreamingCall<TRequest, TResponse> ClientStream<TRequest, TResponse>(string? token = null)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        channel.ClientStreaming(Method<TRequest, TResponse>(), Options(token, TimeSpan.FromSeconds(60)));

    private Method<TRequest, TResponse> Method<TRequest, TResponse>()
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        var method = service.Methods.SingleOrDefault(m => m.InputType.ClrType == typeof(TRequest) && m.OutputType.ClrType == typeof(TResponse))
            ?? throw new ArgumentException($"{service.FullName} has no method taking {typeof(TRequest).Name} and returning {typeof(TResponse).Name}.");
        return new Method<TRequest, TResponse>(method);
    }

    private static CallOptions Options(string? token, TimeSpan? timeout)
    {
        var headers = new Metadata();
        if (token is not null)
        {
            headers.Add("authorization", "Bearer " + token);
        }

        return new CallOptions { Headers = headers, Deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30)) };
    }
}

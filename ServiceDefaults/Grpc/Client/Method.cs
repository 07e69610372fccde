using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace HybridEhr.Grpc.Client;

public enum MethodType
{
    Unary,
    ClientStreaming,
    ServerStreaming,
    DuplexStreaming,
}

/// <summary>A callable method, checked once against the generated descriptor so that request/response types cannot drift.</summary>
public sealed class Method<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    public Method(MethodDescriptor descriptor)
    {
        if (descriptor.InputType.ClrType != typeof(TRequest) || descriptor.OutputType.ClrType != typeof(TResponse))
        {
            throw new ArgumentException(
                $"{descriptor.FullName} takes {descriptor.InputType.ClrType.Name} and returns {descriptor.OutputType.ClrType.Name}, " +
                $"not {typeof(TRequest).Name} and {typeof(TResponse).Name}.", nameof(descriptor));
        }

        ServiceName = descriptor.Service.FullName;
        Name = descriptor.Name;
        Path = $"/{ServiceName}/{Name}";
        Type = (descriptor.IsClientStreaming, descriptor.IsServerStreaming) switch
        {
            (false, false) => MethodType.Unary,
            (true, false) => MethodType.ClientStreaming,
            (false, true) => MethodType.ServerStreaming,
            (true, true) => MethodType.DuplexStreaming,
        };
        ResponseParser = (MessageParser<TResponse>)descriptor.OutputType.Parser;
    }

    /// <summary>A method known only by name, e.g. to call a service whose descriptor this process lacks.</summary>
    public Method(string serviceName, string name, MethodType type, MessageParser<TResponse> responseParser)
    {
        ServiceName = serviceName;
        Name = name;
        Path = $"/{serviceName}/{name}";
        Type = type;
        ResponseParser = responseParser;
    }

    public string ServiceName { get; }

    public string Name { get; }

    /// <summary>"/package.Service/Method", the HTTP/2 path of the call.</summary>
    public string Path { get; }

    public MethodType Type { get; }

    internal MessageParser<TResponse> ResponseParser { get; }

    /// <summary>The method <paramref name="name"/> of <paramref name="service"/>; throws if there is none.</summary>
    public static Method<TRequest, TResponse> Create(ServiceDescriptor service, string name) =>
        new(service.FindMethodByName(name) ?? throw new ArgumentException($"{service.FullName} has no method {name}.", nameof(name)));
}

/// <summary>Per-call settings.</summary>
public readonly record struct CallOptions
{
    /// <summary>Request metadata, sent as HTTP/2 headers.</summary>
    public Metadata? Headers { get; init; }

    /// <summary>When the call must be over (UTC); the server sees it as grpc-timeout.</summary>
    public DateTime? Deadline { get; init; }

    public CancellationToken CancellationToken { get; init; }

    /// <summary>Compress request messages with gzip.</summary>
    public bool CompressRequest { get; init; }

    public static CallOptions WithTimeout(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        new() { Deadline = DateTime.UtcNow + timeout, CancellationToken = cancellationToken };
}

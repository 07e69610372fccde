using System.Net;
using System.Net.Http;

namespace HybridEhr.Grpc.Client;

public sealed class GrpcChannelOptions
{
    /// <summary>Largest response message accepted; larger ones fail the call with RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageSize { get; set; } = GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>Largest request message sent; null = no limit (the server enforces its own).</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>Adds metadata to every call (e.g. an access token); runs before each call starts.</summary>
    public Func<Metadata, CancellationToken, ValueTask>? MetadataProvider { get; set; }

    /// <summary>A handler of your own (tests, TLS settings); by default every channel shares one connection pool.</summary>
    public HttpMessageHandler? HttpHandler { get; set; }
}

/// <summary>
/// A logical connection to one server address. Channels share one process-wide HTTP/2 connection pool unless given a
/// handler of their own, so creating many clients never opens many sockets.
/// </summary>
public sealed class GrpcChannel : IDisposable
{
    private static readonly Lazy<HttpMessageInvoker> SharedInvoker = new(() => new HttpMessageInvoker(CreateHandler(), disposeHandler: false));

    private readonly HttpMessageInvoker? _ownInvoker;

    private GrpcChannel(Uri address, GrpcChannelOptions options)
    {
        if (address.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"A gRPC address must be http:// (h2c) or https://, not '{address}'.", nameof(address));
        }

        Address = address;
        Options = options;
        if (options.HttpHandler is not null)
        {
            _ownInvoker = new HttpMessageInvoker(options.HttpHandler, disposeHandler: false);
        }
    }

    public Uri Address { get; }

    public GrpcChannelOptions Options { get; }

    internal HttpMessageInvoker Invoker => _ownInvoker ?? SharedInvoker.Value;

    public static GrpcChannel ForAddress(string address, GrpcChannelOptions? options = null) =>
        ForAddress(new Uri(address, UriKind.Absolute), options);

    public static GrpcChannel ForAddress(Uri address, GrpcChannelOptions? options = null) =>
        new(address, options ?? new GrpcChannelOptions());

    public void Dispose() => _ownInvoker?.Dispose();

    /// <summary>
    /// The settings of the pool every channel shares (HTTP/2, several connections when one is saturated, keep-alive
    /// pings); for channels that need a handler of their own, e.g. with TLS client certificates.
    /// </summary>
    public static SocketsHttpHandler CreateHandler() => new()
    {
        EnableMultipleHttp2Connections = true,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        KeepAlivePingDelay = TimeSpan.FromSeconds(60),
        KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
        KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        UseProxy = false,
    };
}

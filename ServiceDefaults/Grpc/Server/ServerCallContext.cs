using Microsoft.AspNetCore.Http;

namespace HybridEhr.Grpc.Server;

/// <summary>What a handler knows about the call it serves, and what it may send besides messages.</summary>
public sealed class ServerCallContext
{
    private readonly Func<Task> _writeResponseHeaders;

    internal ServerCallContext(
        HttpContext httpContext, string method, Metadata requestHeaders, DateTime? deadline,
        CancellationToken cancellationToken, Func<Task> writeResponseHeaders)
    {
        HttpContext = httpContext;
        Method = method;
        RequestHeaders = requestHeaders;
        Deadline = deadline;
        CancellationToken = cancellationToken;
        _writeResponseHeaders = writeResponseHeaders;
    }

    public HttpContext HttpContext { get; }

    /// <summary>The full method path, "/package.Service/Method".</summary>
    public string Method { get; }

    public Metadata RequestHeaders { get; }

    /// <summary>Sent with the first message (or with the status if there is none). Add to it before the first write.</summary>
    public Metadata ResponseHeaders { get; } = new();

    /// <summary>Sent with the status at the end of the call.</summary>
    public Metadata ResponseTrailers { get; } = new();

    /// <summary>The caller's deadline in UTC, or null if it set none.</summary>
    public DateTime? Deadline { get; }

    /// <summary>Cancelled when the caller cancels, disconnects or its deadline passes.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The remote address, e.g. "ipv4:127.0.0.1:51234".</summary>
    public string Peer => HttpContext.Connection.RemoteIpAddress is { } ip
        ? $"{(ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "ipv6" : "ipv4")}:{ip}:{HttpContext.Connection.RemotePort}"
        : "unknown";

    /// <summary>Per-call state shared by interceptors and the handler (e.g. the authenticated principal).</summary>
    public IDictionary<object, object?> Items => HttpContext.Items;

    internal ServerCall Call { get; init; } = null!;

    /// <summary>Sends the response headers now (they are otherwise sent with the first message).</summary>
    public Task WriteResponseHeadersAsync() => _writeResponseHeaders();
}

namespace HybridEhr.Clients.Substrate.Rpc;

/// <summary>An error object returned by the node, or a broken connection while a request was in flight.</summary>
public sealed class RpcException : Exception
{
    public RpcException()
    {
    }

    public RpcException(string message)
        : base(message)
    {
    }

    public RpcException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public RpcException(int code, string message, string? data)
        : base($"RPC error {code}: {message}{(data is null ? "" : $" ({data})")}")
    {
        Code = code;
        Data = data;
    }

    public int? Code { get; }

    public new string? Data { get; }
}

/// <summary>Which failures of talking to a node are worth retrying later rather than answers to report.</summary>
public static class NodeFailures
{
    /// <summary>
    /// True when the node could not be reached, the connection broke or timed out, or the node refused the request
    /// (an RPC error such as a stale nonce): trying again later may succeed.
    /// </summary>
    public static bool IsTransient(Exception exception) =>
        exception is RpcException or System.Net.WebSockets.WebSocketException or IOException or TimeoutException or HttpRequestException;
}

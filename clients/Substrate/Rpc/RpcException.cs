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

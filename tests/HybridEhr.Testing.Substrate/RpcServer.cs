using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace HybridEhr.Testing.Substrate;

/// <summary>An answer to one request; <see cref="AfterSend"/> runs once the answer is queued (to start notifications after it).</summary>
internal sealed record RpcReply(JsonNode? Result, Action? AfterSend = null);

/// <summary>
/// JSON-RPC 2.0 over WebSocket on 127.0.0.1 (HttpListener), the transport a Substrate node offers on its RPC port.
/// Requests on one connection are answered concurrently; everything a connection sends goes through one queue, so
/// an answer always precedes the notifications its <see cref="RpcReply.AfterSend"/> starts.
/// </summary>
internal sealed class RpcServer : IAsyncDisposable
{
    private readonly HttpListener listener = new();
    private readonly ConcurrentDictionary<RpcConnection, byte> connections = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly Func<RpcConnection, string, JsonElement, RpcReply> handle;
    private readonly Task acceptLoop;

    public RpcServer(Func<RpcConnection, string, JsonElement, RpcReply> handle)
    {
        this.handle = handle;
        var port = FreePort();
        Endpoint = new Uri($"ws://127.0.0.1:{port}/");
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        acceptLoop = Task.Run(AcceptAsync);
    }

    public Uri Endpoint { get; }

    public IEnumerable<RpcConnection> Connections => connections.Keys;

    private async Task AcceptAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception error) when (error is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(context));
        }
    }

    private async Task ServeAsync(HttpListenerContext context)
    {
        if (!context.Request.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            context.Response.Close();
            return;
        }

        WebSocket socket;
        try
        {
            socket = (await context.AcceptWebSocketAsync(null).ConfigureAwait(false)).WebSocket;
        }
        catch (WebSocketException)
        {
            return;
        }

        var connection = new RpcConnection(socket, context);
        connections[connection] = 0;
        var writer = Task.Run(() => connection.WriteLoopAsync(stopping.Token));
        var buffer = new byte[64 * 1024];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult received;
                do
                {
                    received = await socket.ReceiveAsync(buffer, stopping.Token).ConfigureAwait(false);
                    message.Write(buffer, 0, received.Count);
                }
                while (!received.EndOfMessage && received.MessageType != WebSocketMessageType.Close);

                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).ConfigureAwait(false);
                    break;
                }

                var request = message.ToArray();
                _ = Task.Run(() => Answer(connection, request));
            }
        }
        catch (Exception error) when (error is WebSocketException or OperationCanceledException or HttpListenerException)
        {
            // the client went away or the server stops
        }
        finally
        {
            connections.TryRemove(connection, out _);
            connection.Close();
            await writer.ConfigureAwait(false);
        }
    }

    private void Answer(RpcConnection connection, byte[] request)
    {
        JsonNode? id = null;
        try
        {
            using var document = JsonDocument.Parse(request);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("method", out var methodElement) || methodElement.ValueKind != JsonValueKind.String)
            {
                connection.Send(Error(null, new RpcError(-32600, "Invalid request")));
                return;
            }

            id = root.TryGetProperty("id", out var idElement) ? JsonNode.Parse(idElement.GetRawText()) : null;
            var parameters = root.TryGetProperty("params", out var p) ? p.Clone() : JsonDocument.Parse("[]").RootElement.Clone();
            var reply = handle(connection, methodElement.GetString()!, parameters);
            connection.Send(new JsonObject { ["jsonrpc"] = "2.0", ["result"] = reply.Result, ["id"] = id });
            reply.AfterSend?.Invoke();
        }
        catch (JsonException)
        {
            connection.Send(Error(null, new RpcError(-32700, "Parse error")));
        }
        catch (RpcError error)
        {
            connection.Send(Error(id, error));
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            // A fault of the simulator itself: said loudly, with the exception, so a test shows what broke.
            connection.Send(Error(id, new RpcError(-32603, "Internal error", error.ToString())));
        }
    }

    private static JsonObject Error(JsonNode? id, RpcError error)
    {
        var body = new JsonObject { ["code"] = error.Code, ["message"] = error.Message };
        if (error.Data is not null)
        {
            body["data"] = error.Data;
        }

        return new JsonObject { ["jsonrpc"] = "2.0", ["error"] = body, ["id"] = id };
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        foreach (var connection in connections.Keys)
        {
            connection.Abort();
        }

        listener.Close();
        await acceptLoop.ConfigureAwait(false);
        stopping.Dispose();
    }
}

/// <summary>One client connection: its outbound queue and its subscriptions (id → kind).</summary>
internal sealed class RpcConnection(WebSocket socket, HttpListenerContext context)
{
    private readonly Channel<string> outbound = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    public ConcurrentDictionary<string, string> Subscriptions { get; } = new(StringComparer.Ordinal);

    public void Send(JsonObject message) => outbound.Writer.TryWrite(message.ToJsonString());

    public void Notify(string method, string subscription, JsonNode? result) => Send(new JsonObject
    {
        ["jsonrpc"] = "2.0",
        ["method"] = method,
        ["params"] = new JsonObject { ["subscription"] = subscription, ["result"] = result },
    });

    public async Task WriteLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var text in outbound.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception error) when (error is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // the connection is gone; what was queued for it is dropped
        }
    }

    public void Close() => outbound.Writer.TryComplete();

    public void Abort()
    {
        Close();
        socket.Abort();
        context.Response.Abort();
    }
}

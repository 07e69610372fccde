using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HybridEhr.Clients.Substrate.Tests;

/// <summary>
/// A scripted JSON-RPC WebSocket server standing in for a node: each method answers from a handler; subscription
/// methods answer with an id and then push the handler's notifications.
/// </summary>
public sealed class FakeNode : IAsyncDisposable
{
    private readonly HttpListener listener = new();
    private readonly ConcurrentDictionary<WebSocket, HttpListenerContext> sockets = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly Task acceptLoop;

    public FakeNode()
    {
        var port = FreePort();
        Endpoint = new Uri($"ws://127.0.0.1:{port}/");
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        acceptLoop = Task.Run(AcceptAsync);
    }

    public Uri Endpoint { get; }

    public ConcurrentQueue<(string Method, JsonElement Params)> Received { get; } = new();

    /// <summary>method → result (throw <see cref="FakeRpcError"/> to answer with an error object).</summary>
    public ConcurrentDictionary<string, Func<JsonElement, object?>> Methods { get; } = new(StringComparer.Ordinal);

    /// <summary>subscription method → notifications to push after the subscription id.</summary>
    public ConcurrentDictionary<string, Func<JsonElement, IEnumerable<object>>> Subscriptions { get; } = new(StringComparer.Ordinal);

    public int Connections => connectionCount;

    private int connectionCount;

    /// <summary>Aborts every open connection, as a node restart would.</summary>
    public void DropConnections()
    {
        // Aborting the HTTP response closes the TCP connection; aborting only the WebSocket would not.
        foreach (var (socket, context) in sockets)
        {
            socket.Abort();
            context.Response.Abort();
        }
    }

    private async Task AcceptAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(context));
        }
    }

    private async Task ServeAsync(HttpListenerContext context)
    {
        var socket = (await context.AcceptWebSocketAsync(null)).WebSocket;
        Interlocked.Increment(ref connectionCount);
        sockets[socket] = context;
        var sendLock = new SemaphoreSlim(1, 1);
        var buffer = new byte[1 << 20];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult received;
                do
                {
                    received = await socket.ReceiveAsync(buffer, stopping.Token);
                    message.Write(buffer, 0, received.Count);
                }
                while (!received.EndOfMessage && received.MessageType != WebSocketMessageType.Close);

                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                _ = Task.Run(() => AnswerAsync(socket, sendLock, message.ToArray()));
            }
        }
        catch (Exception error) when (error is WebSocketException or OperationCanceledException)
        {
            // connection dropped
        }
        finally
        {
            sockets.TryRemove(socket, out _);
        }
    }

    private async Task AnswerAsync(WebSocket socket, SemaphoreSlim sendLock, byte[] request)
    {
        using var document = JsonDocument.Parse(request);
        var root = document.RootElement.Clone();
        var id = root.GetProperty("id").GetInt64();
        var method = root.GetProperty("method").GetString()!;
        var parameters = root.GetProperty("params");
        Received.Enqueue((method, parameters));
        JsonObject answer;
        IEnumerable<object> notifications = [];
        var subscriptionId = $"sub-{id}";
        if (Subscriptions.TryGetValue(method, out var subscribe))
        {
            answer = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["result"] = subscriptionId };
            notifications = subscribe(parameters);
        }
        else if (Methods.TryGetValue(method, out var handler))
        {
            try
            {
                answer = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["result"] = JsonSerializer.SerializeToNode(handler(parameters)) };
            }
            catch (FakeRpcError error)
            {
                answer = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["error"] = new JsonObject { ["code"] = error.Code, ["message"] = error.Message } };
            }
        }
        else
        {
            answer = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["error"] = new JsonObject { ["code"] = -32601, ["message"] = "Method not found" } };
        }

        await SendAsync(socket, sendLock, answer);
        foreach (var notification in notifications)
        {
            await SendAsync(socket, sendLock, new JsonObject
            {
                ["jsonrpc"] = "2.0",
                ["method"] = method.Replace("submitAndWatch", "extrinsicUpdate", StringComparison.Ordinal),
                ["params"] = new JsonObject { ["subscription"] = subscriptionId, ["result"] = JsonSerializer.SerializeToNode(notification) },
            });
        }
    }

    private static async Task SendAsync(WebSocket socket, SemaphoreSlim sendLock, JsonObject message)
    {
        await sendLock.WaitAsync();
        try
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
        }
        catch (WebSocketException)
        {
            // the client went away
        }
        finally
        {
            sendLock.Release();
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        DropConnections();
        listener.Close();
        await acceptLoop;
        stopping.Dispose();
    }
}

public sealed class FakeRpcError(int code, string message) : Exception(message)
{
    public int Code => code;
}

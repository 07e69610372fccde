using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HybridEhr.Clients.Substrate.Rpc;

/// <summary>
/// JSON-RPC 2.0 over one WebSocket: concurrent requests matched by id, subscriptions fed by notifications. A dropped
/// connection fails what is in flight and ends the subscriptions; the next request reconnects (with backoff).
/// </summary>
public sealed class SubstrateRpcClient(Uri endpoint, TimeSpan? requestTimeout = null) : IAsyncDisposable
{
    private static readonly TimeSpan[] ReconnectBackoff = [TimeSpan.Zero, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3)];

    private const int MaxEarlySubscriptions = 256;

    private readonly TimeSpan timeout = requestTimeout ?? TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonElement>> pending = new();
    private readonly ConcurrentDictionary<string, RpcSubscription> subscriptions = new(StringComparer.Ordinal);

    // Notifications can overtake the answer that carries their subscription id; they wait here until it is known.
    private readonly Dictionary<string, List<JsonElement>> earlyNotifications = new(StringComparer.Ordinal);
    private readonly Lock subscriptionLock = new();
    private readonly SemaphoreSlim connectLock = new(1, 1);
    private readonly SemaphoreSlim sendLock = new(1, 1);
    private readonly CancellationTokenSource disposed = new();
    private ClientWebSocket? socket;
    private long nextId;

    public Uri Endpoint => endpoint;

    public bool IsConnected => socket?.State == WebSocketState.Open;

    /// <summary>Sends one request and returns its "result" (throws <see cref="RpcException"/> for an "error").</summary>
    public async Task<JsonElement> RequestAsync(string method, object?[] parameters, CancellationToken cancellationToken = default)
    {
        var connection = await EnsureConnectedAsync(cancellationToken).ConfigureAwait(false);
        var id = Interlocked.Increment(ref nextId);
        var completion = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        pending[id] = completion;
        try
        {
            var request = new JsonObject
            {
                ["jsonrpc"] = "2.0",
                ["id"] = id,
                ["method"] = method,
                ["params"] = JsonSerializer.SerializeToNode(parameters),
            };
            await SendAsync(connection, request.ToJsonString(), cancellationToken).ConfigureAwait(false);
            return await completion.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException error)
        {
            throw new RpcException($"{method} got no answer within {timeout.TotalSeconds:0} s", error);
        }
        finally
        {
            pending.TryRemove(id, out _);
        }
    }

    public async Task<T?> RequestAsync<T>(string method, params object?[] parameters)
    {
        var result = await RequestAsync(method, parameters, CancellationToken.None).ConfigureAwait(false);
        return result.Deserialize<T>();
    }

    /// <summary>Starts a subscription (e.g. author_submitAndWatchExtrinsic) and returns its notification stream.</summary>
    public async Task<RpcSubscription> SubscribeAsync(
        string method, object?[] parameters, string unsubscribeMethod, CancellationToken cancellationToken = default)
    {
        var result = await RequestAsync(method, parameters, cancellationToken).ConfigureAwait(false);
        var id = result.ValueKind == JsonValueKind.String ? result.GetString()! : result.GetRawText();
        var subscription = new RpcSubscription(id, async s =>
        {
            if (subscriptions.TryRemove(s.Id, out _) && IsConnected)
            {
                try
                {
                    await RequestAsync(unsubscribeMethod, [s.Id], CancellationToken.None).ConfigureAwait(false);
                }
                catch (RpcException)
                {
                    // the node may already have ended it (e.g. a finalized extrinsic watch)
                }
            }
        });
        lock (subscriptionLock)
        {
            subscriptions[id] = subscription;
            if (earlyNotifications.Remove(id, out var early))
            {
                early.ForEach(subscription.Publish);
            }
        }

        return subscription;
    }

    private async Task<ClientWebSocket> EnsureConnectedAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(disposed.IsCancellationRequested, this);
        if (socket is { State: WebSocketState.Open } open)
        {
            return open;
        }

        await connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (socket is { State: WebSocketState.Open } reopened)
            {
                return reopened;
            }

            Exception? lastError = null;
            foreach (var delay in ReconnectBackoff)
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                var candidate = new ClientWebSocket();
                try
                {
                    await candidate.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
                    socket?.Dispose();
                    socket = candidate;
                    _ = Task.Run(() => ReceiveLoopAsync(candidate), CancellationToken.None);
                    return candidate;
                }
                catch (WebSocketException error)
                {
                    candidate.Dispose();
                    lastError = error;
                }
            }

            throw new RpcException($"cannot connect to {endpoint}", lastError!);
        }
        finally
        {
            connectLock.Release();
        }
    }

    private async Task SendAsync(ClientWebSocket connection, string text, CancellationToken cancellationToken)
    {
        await sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await connection.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cancellationToken).ConfigureAwait(false);
        }
        catch (WebSocketException error)
        {
            throw new RpcException($"sending to {endpoint} failed", error);
        }
        finally
        {
            sendLock.Release();
        }
    }

    private async Task ReceiveLoopAsync(ClientWebSocket connection)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        Exception failure = new RpcException($"the connection to {endpoint} was closed");
        try
        {
            while (connection.State == WebSocketState.Open && !disposed.IsCancellationRequested)
            {
                var received = await connection.ReceiveAsync(buffer, disposed.Token).ConfigureAwait(false);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, received.Count);
                if (received.EndOfMessage)
                {
                    Dispatch(message.ToArray());
                    message.SetLength(0);
                }
            }
        }
        catch (Exception error) when (error is WebSocketException or OperationCanceledException)
        {
            failure = new RpcException($"the connection to {endpoint} broke", error);
        }

        FailEverything(failure);
    }

    private void Dispatch(byte[] utf8)
    {
        using var document = JsonDocument.Parse(utf8);
        var root = document.RootElement.Clone();
        if (root.TryGetProperty("id", out var idElement) && idElement.ValueKind == JsonValueKind.Number)
        {
            if (pending.TryGetValue(idElement.GetInt64(), out var completion))
            {
                if (root.TryGetProperty("error", out var error))
                {
                    completion.TrySetException(new RpcException(
                        error.TryGetProperty("code", out var code) ? code.GetInt32() : 0,
                        error.TryGetProperty("message", out var text) ? text.GetString() ?? "" : "",
                        error.TryGetProperty("data", out var data) ? data.ToString() : null));
                }
                else
                {
                    completion.TrySetResult(root.TryGetProperty("result", out var result) ? result : default);
                }
            }

            return;
        }

        if (root.TryGetProperty("params", out var parameters)
            && parameters.TryGetProperty("subscription", out var subscriptionId)
            && parameters.TryGetProperty("result", out var notification))
        {
            var id = subscriptionId.ValueKind == JsonValueKind.String ? subscriptionId.GetString()! : subscriptionId.GetRawText();
            lock (subscriptionLock)
            {
                if (subscriptions.TryGetValue(id, out var subscription))
                {
                    subscription.Publish(notification);
                }
                else if (earlyNotifications.TryGetValue(id, out var early))
                {
                    early.Add(notification);
                }
                else if (earlyNotifications.Count < MaxEarlySubscriptions)
                {
                    // Bounded: notifications of subscriptions already ended would otherwise pile up here.
                    earlyNotifications[id] = [notification];
                }
            }
        }
    }

    private void FailEverything(Exception failure)
    {
        foreach (var (id, completion) in pending)
        {
            if (pending.TryRemove(id, out _))
            {
                completion.TrySetException(failure);
            }
        }

        foreach (var (id, subscription) in subscriptions)
        {
            if (subscriptions.TryRemove(id, out _))
            {
                subscription.Complete(failure);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (disposed.IsCancellationRequested)
        {
            return;
        }

        await disposed.CancelAsync().ConfigureAwait(false);
        if (socket is { State: WebSocketState.Open } open)
        {
            try
            {
                using var closeTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await open.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", closeTimeout.Token).ConfigureAwait(false);
            }
            catch (Exception error) when (error is WebSocketException or OperationCanceledException)
            {
                // closing is best effort
            }
        }

        socket?.Dispose();
        FailEverything(new ObjectDisposedException(nameof(SubstrateRpcClient)));
        connectLock.Dispose();
        sendLock.Dispose();
        disposed.Dispose();
    }
}

using System.Text.Json;
using System.Threading.Channels;

namespace HybridEhr.Clients.Substrate.Rpc;

/// <summary>
/// The notifications of one subscription, in arrival order. Ends with an <see cref="RpcException"/> when the
/// connection drops (subscriptions do not survive a reconnect; subscribe again).
/// </summary>
public sealed class RpcSubscription : IAsyncDisposable
{
    private readonly Channel<JsonElement> notifications = Channel.CreateUnbounded<JsonElement>();
    private readonly Func<RpcSubscription, Task> unsubscribe;

    internal RpcSubscription(string id, Func<RpcSubscription, Task> unsubscribe)
    {
        Id = id;
        this.unsubscribe = unsubscribe;
    }

    public string Id { get; }

    public IAsyncEnumerable<JsonElement> ReadAllAsync(CancellationToken cancellationToken = default) =>
        notifications.Reader.ReadAllAsync(cancellationToken);

    internal void Publish(JsonElement result) => notifications.Writer.TryWrite(result);

    internal void Complete(Exception? error = null) => notifications.Writer.TryComplete(error);

    public async ValueTask DisposeAsync()
    {
        Complete();
        await unsubscribe(this).ConfigureAwait(false);
    }
}

using System.Text.Json;
using HybridEhr.Clients.Substrate.Rpc;

namespace HybridEhr.Clients.Substrate.Tests;

public sealed class RpcClientTests
{
    [Fact]
    public async Task Concurrent_requests_get_their_own_answers_and_errors_become_exceptions()
    {
        await using var node = new FakeNode();
        node.Methods["echo"] = p => p[0].GetInt32();
        node.Methods["fail"] = _ => throw new FakeRpcError(1010, "Invalid Transaction");
        await using var rpc = new SubstrateRpcClient(node.Endpoint);

        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => rpc.RequestAsync("echo", [i])));
        Assert.Equal(Enumerable.Range(0, 50), answers.Select(a => a.GetInt32()));

        var error = await Assert.ThrowsAsync<RpcException>(() => rpc.RequestAsync("fail", []));
        Assert.Equal(1010, error.Code);
        Assert.Contains("Invalid Transaction", error.Message, StringComparison.Ordinal);
        Assert.Equal(-32601, (await Assert.ThrowsAsync<RpcException>(() => rpc.RequestAsync("no_such_method", []))).Code);
    }

    [Fact]
    public async Task A_subscription_delivers_its_notifications_in_order()
    {
        await using var node = new FakeNode();
        node.Subscriptions["author_submitAndWatchExtrinsic"] = _ => ["ready", new { inBlock = "0x01" }, new { finalized = "0x01" }];
        node.Methods["author_unwatchExtrinsic"] = _ => true;
        await using var rpc = new SubstrateRpcClient(node.Endpoint);

        await using var subscription = await rpc.SubscribeAsync("author_submitAndWatchExtrinsic", ["0x00"], "author_unwatchExtrinsic");
        var seen = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var notification in subscription.ReadAllAsync(timeout.Token))
        {
            seen.Add(notification.ValueKind == JsonValueKind.String ? notification.GetString()! : notification.EnumerateObject().First().Name);
            if (seen.Count == 3)
            {
                break;
            }
        }

        Assert.Equal(["ready", "inBlock", "finalized"], seen);
    }

    [Fact]
    public async Task After_the_node_drops_the_connection_the_next_request_reconnects()
    {
        await using var node = new FakeNode();
        node.Methods["system_health"] = _ => new { peers = 0 };
        await using var rpc = new SubstrateRpcClient(node.Endpoint);
        await rpc.RequestAsync("system_health", []);

        node.DropConnections();
        await WaitUntilAsync(() => !rpc.IsConnected);

        var health = await rpc.RequestAsync("system_health", []);
        Assert.Equal(0, health.GetProperty("peers").GetInt32());
        Assert.Equal(2, node.Connections);
    }

    [Fact]
    public async Task An_unreachable_node_is_reported_with_its_address()
    {
        var endpoint = new Uri("ws://127.0.0.1:1/");
        await using var rpc = new SubstrateRpcClient(endpoint);
        var error = await Assert.ThrowsAsync<RpcException>(() => rpc.RequestAsync("system_health", []));
        Assert.Contains("127.0.0.1:1", error.Message, StringComparison.Ordinal);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition());
    }
}

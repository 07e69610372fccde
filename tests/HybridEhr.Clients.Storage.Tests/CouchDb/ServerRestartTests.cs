using System.Text.Json.Nodes;
using HybridEhr.Clients.CouchDb;
using HybridEhr.Clients.Storage.Tests.Servers;
using Xunit;

namespace HybridEhr.Clients.Storage.Tests.CouchDb;

/// <summary>Its own server, because it kills and restarts it mid-test.</summary>
public sealed class ServerRestartTests : IAsyncLifetime
{
    private PouchDbServer _server = null!;
    private CouchDbClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await PouchDbServer.StartAsync();
        _client = new CouchDbClient(new CouchDbOptions { ServerUri = _server.Url });
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task A_followed_feed_survives_a_server_restart_and_resumes_from_its_last_sequence()
    {
        var database = await _client.EnsureDatabaseAsync("restart");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var received = new List<DocumentChange>();
        var sawBeforeRestart = new TaskCompletionSource();

        var following = Task.Run(async () =>
        {
            var request = new ChangesRequest { Feed = ChangesFeedMode.Continuous, Since = "0", Heartbeat = TimeSpan.FromMilliseconds(500) };
            await foreach (var change in database.FollowChangesAsync(request, timeout.Token))
            {
                lock (received)
                {
                    received.Add(change);
                }

                if (change.Id == "before-3")
                {
                    sawBeforeRestart.TrySetResult();
                }

                if (change.Id == "after-3")
                {
                    return;
                }
            }
        });
        foreach (var id in new[] { "before-1", "before-2", "before-3" })
        {
            await database.PutAsync(id, new JsonObject());
        }

        await sawBeforeRestart.Task.WaitAsync(timeout.Token);
        var pidBefore = _server.ProcessId;
        await _server.RestartAsync();
        Assert.NotEqual(pidBefore, _server.ProcessId);
        foreach (var id in new[] { "after-1", "after-2", "after-3" })
        {
            await database.PutAsync(id, new JsonObject());
        }

        await following.WaitAsync(timeout.Token);

        // Every change arrives, in order, and the resumed feed did not start again from zero.
        Assert.Equal(["before-1", "before-2", "before-3", "after-1", "after-2", "after-3"], received.Select(change => change.Id));
    }

    [Fact]
    public async Task A_reader_resumes_from_the_last_sequence_it_saw_after_a_restart()
    {
        var database = await _client.EnsureDatabaseAsync("resume");
        await database.PutAsync("one", new JsonObject());
        await database.PutAsync("two", new JsonObject());
        var seen = new List<DocumentChange>();
        await foreach (var change in database.ChangesAsync(new ChangesRequest()))
        {
            seen.Add(change);
        }

        await _server.RestartAsync();
        await database.PutAsync("three", new JsonObject());
        var resumed = new List<string>();
        await foreach (var change in database.ChangesAsync(new ChangesRequest { Since = seen[^1].Seq }))
        {
            resumed.Add(change.Id);
        }

        Assert.Equal(["three"], resumed);
    }
}

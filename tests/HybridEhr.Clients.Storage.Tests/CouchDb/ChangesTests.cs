using System.Text.Json.Nodes;
using HybridEhr.Clients.CouchDb;
using Xunit;

namespace HybridEhr.Clients.Storage.Tests.CouchDb;

[Collection(PouchDbCollection.Name)]
public sealed class ChangesTests(PouchDbFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task The_normal_feed_lists_changes_and_resumes_after_a_sequence()
    {
        var database = await fixture.NewDatabaseAsync();
        await PutAsync(database, "a", "b", "c");

        var all = await ReadAllAsync(database.ChangesAsync(new ChangesRequest { IncludeDocs = true }));
        Assert.Equal(["a", "b", "c"], all.Select(change => change.Id));
        Assert.Equal("a", all[0].Doc!.Value.GetProperty("_id").GetString());

        await PutAsync(database, "d");
        var later = await ReadAllAsync(database.ChangesAsync(new ChangesRequest { Since = all[^1].Seq }));
        Assert.Equal(["d"], later.Select(change => change.Id));

        var limited = await ReadAllAsync(database.ChangesAsync(new ChangesRequest { Limit = 2 }));
        Assert.Equal(2, limited.Count);
    }

    [Fact]
    public async Task Deletions_and_document_filters_show_in_the_feed()
    {
        var database = await fixture.NewDatabaseAsync();
        var written = await database.PutAsync("gone", new JsonObject());
        await database.DeleteAsync("gone", written.Rev);
        await PutAsync(database, "kept", "other");

        var filtered = await ReadAllAsync(database.ChangesAsync(new ChangesRequest { DocumentIds = ["gone", "kept"] }));

        Assert.Equal(["gone", "kept"], filtered.Select(change => change.Id));
        Assert.True(filtered[0].Deleted);
        Assert.False(filtered[1].Deleted);
    }

    [Fact]
    public async Task Longpoll_waits_for_a_change_made_after_it_started()
    {
        var database = await fixture.NewDatabaseAsync();
        await PutAsync(database, "before");
        var since = (await ReadAllAsync(database.ChangesAsync(new ChangesRequest())))[^1].Seq;
        using var timeout = new CancellationTokenSource(Patience);

        var waiting = FirstAsync(database.ChangesAsync(
            new ChangesRequest { Feed = ChangesFeedMode.Longpoll, Since = since, LongpollTimeout = TimeSpan.FromSeconds(1) }, timeout.Token));
        await Task.Delay(1500); // longer than one longpoll round, so the client has had to poll again
        await PutAsync(database, "after");

        Assert.Equal("after", (await waiting).Id);
    }

    [Fact]
    public async Task The_continuous_feed_streams_changes_through_heartbeats()
    {
        var database = await fixture.NewDatabaseAsync();
        using var timeout = new CancellationTokenSource(Patience);
        var received = new List<string>();

        var reading = Task.Run(async () =>
        {
            await foreach (var change in database.ChangesAsync(
                new ChangesRequest { Feed = ChangesFeedMode.Continuous, Since = "now", Heartbeat = TimeSpan.FromMilliseconds(300) }, timeout.Token))
            {
                received.Add(change.Id);
                if (received.Count == 2)
                {
                    return;
                }
            }
        });
        await Task.Delay(1000); // several heartbeats pass before anything happens
        await PutAsync(database, "x", "y");
        await reading;

        Assert.Equal(["x", "y"], received);
    }
    [Fact]
    public async Task Following_from_now_starts_at_the_current_update_sequence()
    {
        var database = await fixture.NewDatabaseAsync();
        await PutAsync(database, "old-1", "old-2");
        var info = await database.GetInfoAsync();
        Assert.Equal(2, info.DocumentCount);
        using var timeout = new CancellationTokenSource(Patience);

        var first = FirstAsync(database.FollowChangesAsync(
            new ChangesRequest { Since = "now", Heartbeat = TimeSpan.FromMilliseconds(300) }, timeout.Token));
        await Task.Delay(500);
        await PutAsync(database, "new");

        var change = await first;
        Assert.Equal("new", change.Id);
        Assert.NotEqual(info.UpdateSequence, change.Seq);
    }

    private static async Task PutAsync(CouchDatabase database, params string[] ids)
    {
        foreach (var id in ids)
        {
            await database.PutAsync(id, new JsonObject { ["at"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() });
        }
    }

    private static async Task<List<DocumentChange>> ReadAllAsync(IAsyncEnumerable<DocumentChange> changes)
    {
        var list = new List<DocumentChange>();
        await foreach (var change in changes)
        {
            list.Add(change);
        }

        return list;
    }

    private static async Task<DocumentChange> FirstAsync(IAsyncEnumerable<DocumentChange> changes)
    {
        await foreach (var change in changes)
        {
            return change;
        }

        throw new InvalidOperationException("The feed ended without a change.");
    }
}

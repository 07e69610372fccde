using HybridEhr.Clients.CouchDb;
using Xunit;

namespace HybridEhr.Clients.Storage.Tests.CouchDb;

[Collection(PouchDbCollection.Name)]
public sealed class ServerTests(PouchDbFixture fixture)
{
    [Fact]
    public async Task Server_info_reveals_the_pouchdb_dialect()
    {
        var info = await fixture.Client.GetServerInfoAsync();

        Assert.True(info.Dialect.IsPouchDbServer, info.Raw.GetRawText());
        Assert.False(info.Dialect.SupportsFindBookmarks);
        Assert.False(info.Dialect.HasUpEndpoint);
        Assert.False(string.IsNullOrEmpty(info.Version));
    }

    [Fact]
    public async Task A_running_server_is_healthy_and_a_closed_port_is_not()
    {
        Assert.True(await fixture.Client.IsHealthyAsync());

        var port = Servers.ServerProcess.FreeLoopbackPort();
        using var nowhere = new CouchDbClient(new CouchDbOptions { ServerUri = new Uri($"http://127.0.0.1:{port}/"), MaxRetryAttempts = 0 });
        Assert.False(await nowhere.IsHealthyAsync());
    }

    [Fact]
    public async Task Ensuring_a_database_twice_is_harmless_and_deleting_it_twice_reports_the_second_time()
    {
        var name = "ensure-" + Guid.NewGuid().ToString("N");

        await fixture.Client.EnsureDatabaseAsync(name);
        await fixture.Client.EnsureDatabaseAsync(name);
        Assert.Contains(name, await fixture.Client.ListDatabasesAsync());

        Assert.True(await fixture.Client.DeleteDatabaseAsync(name));
        Assert.False(await fixture.Client.DeleteDatabaseAsync(name));
    }

    [Fact]
    public async Task A_missing_database_is_a_typed_not_found()
    {
        var database = fixture.Client.GetDatabase("missing-" + Guid.NewGuid().ToString("N"));

        var error = await Assert.ThrowsAsync<CouchDbNotFoundException>(() => database.GetAsync("anything"));
        Assert.Equal("not_found", error.Error);
    }

    [Fact]
    public async Task Cancellation_is_honoured()
    {
        var database = await fixture.NewDatabaseAsync();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => database.GetAsync("x", cancellationToken: cancelled.Token));
    }
}

using HybridEhr.Clients.CouchDb;
using HybridEhr.Clients.Ipfs;
using HybridEhr.Clients.Storage.Tests.Servers;
using Xunit;

namespace HybridEhr.Clients.Storage.Tests;

/// <summary>One pouchdb-server for the CouchDB suites; a start failure fails every test that uses it.</summary>
public sealed class PouchDbFixture : IAsyncLifetime
{
    private PouchDbServer? _server;

    public PouchDbServer Server => _server ?? throw new InvalidOperationException("pouchdb-server is not running.");

    public CouchDbClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _server = await PouchDbServer.StartAsync();
        Client = new CouchDbClient(new CouchDbOptions { ServerUri = _server.Url });
    }

    /// <summary>A fresh database per test, so that tests do not see each other's documents.</summary>
    public Task<CouchDatabase> NewDatabaseAsync() => Client.EnsureDatabaseAsync("test-" + Guid.NewGuid().ToString("N"));

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>One js-ipfs daemon for the IPFS suite.</summary>
public sealed class IpfsFixture : IAsyncLifetime
{
    private IpfsServer? _server;

    public IpfsClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _server = await IpfsServer.StartAsync();
        Client = new IpfsClient(new IpfsOptions { ApiUri = _server.ApiUrl });
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PouchDbCollection : ICollectionFixture<PouchDbFixture>
{
    public const string Name = "pouchdb-server";
}

[CollectionDefinition(Name)]
public sealed class IpfsCollection : ICollectionFixture<IpfsFixture>
{
    public const string Name = "js-ipfs";
}

using HybridEhr.Clients.CouchDb;
using HybridEhr.Clients.Ipfs;
using HybridEhr.Clients.Storage.Tests.Servers;
using HybridEhr.Testing;
using Xunit;

// One whole system at a time: two would compete for this machine's two cores.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace HybridEhr.StorageWiring.Tests;

/// <summary>
/// pouchdb-server and js-ipfs, then the devnet and the five services with Records on the first and ImageNft on the
/// second. A server that cannot start fails every test of the collection; nothing is skipped.
/// </summary>
public sealed class StorageSystemFixture : IAsyncLifetime
{
    public const string RecordsDatabase = "hybridehr-records-under-test";

    private PouchDbServer? _couchDb;
    private IpfsServer? _ipfs;

    public Api Api { get; private set; } = null!;

    public CouchDbClient CouchDb { get; private set; } = null!;

    public IpfsClient Ipfs { get; private set; } = null!;

    /// <summary>The js-ipfs repository on disk, where its blocks are files.</summary>
    public string IpfsRepository => Path.Combine(_ipfs!.Repository, "repo");

    public async Task InitializeAsync()
    {
        _couchDb = await PouchDbServer.StartAsync();
        _ipfs = await IpfsServer.StartAsync();
        CouchDb = new CouchDbClient(new CouchDbOptions { ServerUri = _couchDb.Url });
        Ipfs = new IpfsClient(new IpfsOptions { ApiUri = _ipfs.ApiUrl, ContentTimeout = TimeSpan.FromSeconds(10) });
        Api = new Api(await SystemUnderTest.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings__couchdb"] = _couchDb.Url.AbsoluteUri,
            ["Records__CouchDbDatabase"] = RecordsDatabase,
            ["ConnectionStrings__ipfs"] = _ipfs.ApiUrl.AbsoluteUri,
        }));
    }

    public async Task DisposeAsync()
    {
        if (Api is not null)
        {
            await Api.System.DisposeAsync();
        }

        CouchDb?.Dispose();
        Ipfs?.Dispose();
        if (_ipfs is not null)
        {
            await _ipfs.DisposeAsync();
        }

        if (_couchDb is not null)
        {
            await _couchDb.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class StorageSystemCollection : ICollectionFixture<StorageSystemFixture>
{
    public const string Name = "system on CouchDB and IPFS";
}

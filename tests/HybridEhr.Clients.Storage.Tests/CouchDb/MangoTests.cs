using System.Text.Json.Nodes;
using HybridEhr.Clients.CouchDb;
using Xunit;

namespace HybridEhr.Clients.Storage.Tests.CouchDb;

[Collection(PouchDbCollection.Name)]
public sealed class MangoTests(PouchDbFixture fixture)
{
    [Fact]
    public async Task Creating_an_index_twice_reports_that_it_exists()
    {
        var database = await fixture.NewDatabaseAsync();
        var index = new IndexDefinition(["patient", "createdAt"], "by-patient", "records");

        var first = await database.CreateIndexAsync(index);
        var second = await database.CreateIndexAsync(index);

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal("by-patient", second.Name);
        Assert.Equal("_design/records", second.DesignDocument);
    }

    [Fact]
    public async Task Find_selects_projects_sorts_and_limits()
    {
        var database = await SeedAsync(patients: 2, perPatient: 6);

        var result = await database.FindAsync(new FindQuery
        {
            Selector = new JsonObject { ["patient"] = "p1", ["createdAt"] = new JsonObject { ["$gte"] = 2 } },
            Fields = ["_id", "createdAt"],
            Sort = [new SortField("createdAt", Descending: true)],
            Limit = 3,
        });

        Assert.Equal([6, 5, 4], result.Docs.Select(doc => doc.GetProperty("createdAt").GetInt32()));
        Assert.All(result.Docs, doc => Assert.False(doc.TryGetProperty("patient", out _)));
    }

    [Fact]
    public async Task Paging_walks_every_match_once_in_order()
    {
        var database = await SeedAsync(patients: 3, perPatient: 25);
        var query = new FindQuery
        {
            Selector = new JsonObject { ["patient"] = "p2" },
            Sort = [new SortField("createdAt")],
        };

        var pages = new List<FindResult>();
        await foreach (var page in database.FindPagesAsync(query, pageSize: 10))
        {
            pages.Add(page);
        }

        Assert.Equal([10, 10, 5], pages.Select(page => page.Docs.Count));
        var seen = pages.SelectMany(page => page.Docs).Select(doc => doc.GetProperty("createdAt").GetInt32()).ToList();
        Assert.Equal(Enumerable.Range(1, 25), seen);
        Assert.All(pages.SelectMany(page => page.Docs), doc => Assert.Equal("p2", doc.GetProperty("patient").GetString()));
    }

    [Fact]
    public async Task Typed_find_all_follows_pages()
    {
        var database = await SeedAsync(patients: 1, perPatient: 7);

        var found = new List<Entry>();
        await foreach (var entry in database.FindAllAsync<Entry>(new FindQuery
        {
            Selector = new JsonObject { ["patient"] = "p1" },
            Sort = [new SortField("createdAt", Descending: true)],
        }, pageSize: 3))
        {
            found.Add(entry);
        }

        Assert.Equal([7, 6, 5, 4, 3, 2, 1], found.Select(entry => entry.CreatedAt));
    }

    [Fact]
    public async Task A_malformed_query_is_a_typed_error_not_a_crash()
    {
        var database = await fixture.NewDatabaseAsync();
        await database.PutAsync("doc", new JsonObject { ["a"] = 1 }); // pouchdb-server validates only when there are documents

        await Assert.ThrowsAnyAsync<CouchDbException>(() => database.FindAsync(new FindQuery
        {
            Selector = new JsonObject { ["a"] = new JsonObject { ["$nosuchoperator"] = 1 } },
        }));
    }

    private async Task<CouchDatabase> SeedAsync(int patients, int perPatient)
    {
        var database = await fixture.NewDatabaseAsync();
        await database.CreateIndexAsync(new IndexDefinition(["patient", "createdAt"], "by-patient"));
        var documents = Enumerable.Range(1, patients).SelectMany(p => Enumerable.Range(1, perPatient).Select(i => new JsonObject
        {
            ["_id"] = $"p{p}-{i:D3}",
            ["patient"] = $"p{p}",
            ["createdAt"] = i,
        }));
        var results = await database.BulkSaveAsync(documents.Reverse());
        Assert.All(results, result => Assert.True(result.Succeeded));
        return database;
    }

    private sealed record Entry(string Patient, int CreatedAt);
}

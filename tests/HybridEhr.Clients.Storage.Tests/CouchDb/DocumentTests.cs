using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using HybridEhr.Clients.CouchDb;
using Xunit;

namespace HybridEhr.Clients.Storage.Tests.CouchDb;

[Collection(PouchDbCollection.Name)]
public sealed class DocumentTests(PouchDbFixture fixture)
{
    [Fact]
    public async Task A_document_is_created_read_updated_and_deleted_with_its_revisions()
    {
        var database = await fixture.NewDatabaseAsync();

        var created = await database.PutAsync("ehr-1", new JsonObject { ["patient"] = "p1", ["version"] = 1 });
        Assert.StartsWith("1-", created.Rev, StringComparison.Ordinal);
        var read = await database.GetAsync("ehr-1");
        Assert.Equal(created.Rev, read.GetProperty("_rev").GetString());
        Assert.Equal(created.Rev, await database.GetRevisionAsync("ehr-1"));

        var updated = await database.PutAsync("ehr-1", new JsonObject { ["patient"] = "p1", ["version"] = 2 }, created.Rev);
        Assert.StartsWith("2-", updated.Rev, StringComparison.Ordinal);
        Assert.Equal(2, (await database.GetAsync("ehr-1")).GetProperty("version").GetInt32());
        Assert.Equal(1, (await database.GetAsync("ehr-1", created.Rev)).GetProperty("version").GetInt32());

        var deleted = await database.DeleteAsync("ehr-1", updated.Rev);
        Assert.StartsWith("3-", deleted.Rev, StringComparison.Ordinal);
        Assert.Null(await database.TryGetAsync("ehr-1"));
        Assert.Null(await database.GetRevisionAsync("ehr-1"));
        await Assert.ThrowsAsync<CouchDbNotFoundException>(() => database.GetAsync("ehr-1"));
    }

    [Fact]
    public async Task Writing_with_a_stale_revision_is_a_conflict_the_caller_can_resolve()
    {
        var database = await fixture.NewDatabaseAsync();
        var first = await database.PutAsync("doc", new JsonObject { ["n"] = 1 });
        await database.PutAsync("doc", new JsonObject { ["n"] = 2 }, first.Rev);

        var conflict = await Assert.ThrowsAsync<CouchDbConflictException>(
            () => database.PutAsync("doc", new JsonObject { ["n"] = 3 }, first.Rev));
        Assert.Equal("conflict", conflict.Error);
        await Assert.ThrowsAsync<CouchDbConflictException>(() => database.PutAsync("doc", new JsonObject { ["n"] = 3 }));
        await Assert.ThrowsAsync<CouchDbConflictException>(() => database.DeleteAsync("doc", first.Rev));

        // The documented way out: re-read the current revision and write again.
        var current = await database.GetRevisionAsync("doc");
        var resolved = await database.PutAsync("doc", new JsonObject { ["n"] = 3 }, current);
        Assert.StartsWith("3-", resolved.Rev, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Typed_documents_round_trip_and_ids_with_special_characters_are_escaped()
    {
        var database = await fixture.NewDatabaseAsync();
        var id = "patient/42 é?&#";

        var written = await database.PutAsync(id, new Record { Patient = "p42", Title = "X-ray, left knee" });
        var record = await database.GetAsync<Record>(id);

        Assert.Equal(id, record.Id);
        Assert.Equal(written.Rev, record.Rev);
        Assert.Equal("X-ray, left knee", record.Title);
    }

    [Fact]
    public async Task Design_documents_keep_their_prefix()
    {
        var database = await fixture.NewDatabaseAsync();

        await database.PutAsync("_design/records", new JsonObject { ["language"] = "javascript" });

        Assert.Equal("_design/records", (await database.GetAsync("_design/records")).GetProperty("_id").GetString());
    }

    [Fact]
    public async Task Bulk_writes_report_each_document_including_conflicts()
    {
        var database = await fixture.NewDatabaseAsync();
        var existing = await database.PutAsync("b", new JsonObject { ["n"] = 0 });

        var results = await database.BulkSaveAsync(
        [
            new JsonObject { ["_id"] = "a", ["n"] = 1 },
            new JsonObject { ["_id"] = "b", ["n"] = 2 },
            new JsonObject { ["_id"] = "c", ["n"] = 3 },
        ]);

        Assert.Equal(3, results.Count);
        Assert.True(results[0].Succeeded);
        Assert.True(results[1].IsConflict, results[1].ToString());
        Assert.False(results[1].Succeeded);
        Assert.True(results[2].Succeeded);

        // The same document with its current revision goes through. (Two writes of one id in a single batch are
        // applied in an order CouchDB does not promise, so they are kept to separate batches.)
        var update = await database.BulkSaveAsync([new JsonObject { ["_id"] = "b", ["_rev"] = existing.Rev, ["n"] = 4 }]);
        Assert.True(update[0].Succeeded);
        Assert.StartsWith("2-", update[0].Rev, StringComparison.Ordinal);
    }

    [Fact]
    public async Task All_docs_supports_keys_ranges_paging_and_included_documents()
    {
        var database = await fixture.NewDatabaseAsync();
        await database.BulkSaveAsync(Enumerable.Range(0, 10).Select(i => new JsonObject { ["_id"] = $"doc-{i:D2}", ["n"] = i }));

        var all = await database.AllDocsAsync();
        Assert.Equal(10, all.TotalRows);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"doc-{i:D2}"), all.Rows.Select(row => row.Id));
        Assert.All(all.Rows, row => Assert.Null(row.Doc));

        var range = await database.AllDocsAsync(new AllDocsQuery { StartKey = "doc-03", EndKey = "doc-06", IncludeDocs = true });
        Assert.Equal(["doc-03", "doc-04", "doc-05", "doc-06"], range.Rows.Select(row => row.Id));
        Assert.Equal(5, range.Rows[2].Doc!.Value.GetProperty("n").GetInt32());

        var page = await database.AllDocsAsync(new AllDocsQuery { Skip = 8, Limit = 5 });
        Assert.Equal(["doc-08", "doc-09"], page.Rows.Select(row => row.Id));

        var descending = await database.AllDocsAsync(new AllDocsQuery { Descending = true, Limit = 2 });
        Assert.Equal(["doc-09", "doc-08"], descending.Rows.Select(row => row.Id));

        var keys = await database.AllDocsAsync(new AllDocsQuery { Keys = ["doc-07", "nope", "doc-01"] });
        Assert.Equal("doc-07", keys.Rows[0].Id);
        Assert.Equal("not_found", keys.Rows[1].Error);
        Assert.Equal("doc-01", keys.Rows[2].Id);
    }

    private sealed class Record
    {
        [JsonPropertyName("_id")]
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public string? Id { get; set; }

        [JsonPropertyName("_rev")]
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public string? Rev { get; set; }

        public string Patient { get; set; } = "";

        public string Title { get; set; } = "";
    }
}

using HybridEhr.Records.Storage;
using Xunit;

namespace HybridEhr.Records.Tests;

public sealed class FileRecordDocumentStoreTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Everything_written_is_there_after_reopening()
    {
        var store = new FileRecordDocumentStore(_directory.Path);
        var header = await store.PutRecordAsync(Header("r-1", "0xalice"), default);
        await store.PutRecordAsync(Header("r-2", "0xalice"), default);
        await store.PutRecordAsync(Header("r-3", "0xbob"), default);
        await store.PutVersionAsync(Version("r-1", 1), default);
        await store.PutRecordAsync(header with { LatestVersion = 1 }, default);

        var reopened = new FileRecordDocumentStore(_directory.Path);

        Assert.Equal(1, (await reopened.GetRecordAsync("r-1", default))!.LatestVersion);
        Assert.Equal([1, 2, 3], (await reopened.GetVersionAsync("r-1", 1, default))!.Envelope);
        Assert.Equal(["r-1", "r-2"], (await reopened.ListByPatientAsync("0xalice", default)).Select(r => r.RecordId).Order());
        Assert.Single(await reopened.ListByPatientAsync("0xbob", default));
        Assert.Null(await reopened.GetRecordAsync("r-9", default));
    }

    [Fact]
    public async Task Stale_revisions_are_refused()
    {
        var store = new FileRecordDocumentStore(_directory.Path);
        var first = await store.PutRecordAsync(Header("r-1", "0xalice"), default);
        await store.PutRecordAsync(first with { LatestVersion = 1 }, default);

        await Assert.ThrowsAsync<RevisionConflictException>(() => store.PutRecordAsync(first with { LatestVersion = 2 }, default));
        await Assert.ThrowsAsync<RevisionConflictException>(() => store.PutRecordAsync(Header("r-1", "0xmallory"), default));
        Assert.Equal("0xalice", (await store.GetRecordAsync("r-1", default))!.PatientAccountId);
    }

    [Fact]
    public async Task Versions_are_deleted_only_at_their_revision()
    {
        var store = new FileRecordDocumentStore(_directory.Path);
        var pending = await store.PutVersionAsync(Version("r-1", 1), default);

        await Assert.ThrowsAsync<RevisionConflictException>(() => store.DeleteVersionAsync("r-1", 1, "1-0000000000000000", default));
        await store.DeleteVersionAsync("r-1", 1, pending.Revision!, default);

        Assert.Null(await store.GetVersionAsync("r-1", 1, default));
    }

    [Fact]
    public async Task A_write_cut_short_before_its_rename_leaves_the_previous_document_and_no_leftovers()
    {
        var store = new FileRecordDocumentStore(_directory.Path);
        var header = await store.PutRecordAsync(Header("r-1", "0xalice"), default);
        // What kill -9 between write and rename leaves behind: a temporary file next to the intact document.
        var recordFile = Path.Combine(_directory.Path, "r-1", "record.json");
        await File.WriteAllTextAsync(recordFile + ".0123.tmp", "{\"torn\":");

        var reopened = new FileRecordDocumentStore(_directory.Path);

        Assert.Equal(header.Revision, (await reopened.GetRecordAsync("r-1", default))!.Revision);
        Assert.Empty(Directory.EnumerateFiles(_directory.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Concurrent_writers_of_one_revision_get_exactly_one_success()
    {
        var store = new FileRecordDocumentStore(_directory.Path);
        var header = await store.PutRecordAsync(Header("r-1", "0xalice"), default);

        var results = await Task.WhenAll(Enumerable.Range(1, 16).Select(async i =>
        {
            try
            {
                await store.PutRecordAsync(header with { LatestVersion = i }, default);
                return true;
            }
            catch (RevisionConflictException)
            {
                return false;
            }
        }));

        Assert.Single(results, r => r);
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("r:1")]
    public async Task Ids_that_could_name_other_paths_are_refused(string recordId)
    {
        var store = new FileRecordDocumentStore(_directory.Path);

        await Assert.ThrowsAsync<ArgumentException>(() => store.GetRecordAsync(recordId, default));
    }

    private static StoredRecord Header(string id, string patient) =>
        new(id, patient, DateTimeOffset.UnixEpoch, "0xdoctor", 0, null, null, DateTimeOffset.UnixEpoch, false);

    private static StoredVersion Version(string id, long version) =>
        new(id, version, VersionState.Pending, [1, 2, 3], [4], "c", "x", "0xdoctor", "HospitalAMSP", DateTimeOffset.UnixEpoch, "", [], null);
}

using HybridEhr.Files;
using HybridEhr.ImageNft.Content;
using HybridEhr.ImageNft.Storage;
using Xunit;

namespace HybridEhr.ImageNft.Tests;

public sealed class StorageTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    [Fact]
    public async Task A_blob_is_stored_under_its_cid_and_survives_a_reopen()
    {
        var content = ContentIdTests.Pattern(300_000);
        var cid = UnixFsCidBuilder.Compute(content).ToString();
        await new FileImageBlobStore(_directory.Path).PutAsync(cid, new MemoryStream(content), default);

        var reopened = new FileImageBlobStore(_directory.Path);

        Assert.True(await reopened.ExistsAsync(cid, default));
        await using var stream = await reopened.OpenReadAsync(cid, default);
        Assert.NotNull(stream);
        var read = new MemoryStream();
        await stream.CopyToAsync(read);
        Assert.Equal(content, read.ToArray());
    }

    [Fact]
    public async Task Content_that_does_not_hash_to_the_cid_is_refused_and_not_stored()
    {
        var store = new FileImageBlobStore(_directory.Path);
        var cid = UnixFsCidBuilder.Compute("hello world"u8).ToString();

        await Assert.ThrowsAsync<InvalidDataException>(() => store.PutAsync(cid, new MemoryStream("hello there"u8.ToArray()), default));

        Assert.False(await store.ExistsAsync(cid, default));
        Assert.Empty(Directory.EnumerateFiles(_directory.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Storing_the_same_content_twice_is_harmless()
    {
        var store = new FileImageBlobStore(_directory.Path);
        var cid = UnixFsCidBuilder.Compute("hello world"u8).ToString();

        await store.PutAsync(cid, new MemoryStream("hello world"u8.ToArray()), default);
        await store.PutAsync(cid, new MemoryStream("hello world"u8.ToArray()), default);

        Assert.Single(Directory.EnumerateFiles(_directory.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_missing_blob_reads_as_null()
    {
        var store = new FileImageBlobStore(_directory.Path);
        var cid = UnixFsCidBuilder.Compute("absent"u8).ToString();

        Assert.False(await store.ExistsAsync(cid, default));
        Assert.Null(await store.OpenReadAsync(cid, default));
    }

    [Fact]
    public void A_half_written_blob_left_by_a_crash_is_never_visible_and_is_cleaned_at_start()
    {
        _ = new FileImageBlobStore(_directory.Path);
        var leftover = Path.Combine(_directory.Path, "incoming", "0123" + AtomicFile.TemporarySuffix);
        File.WriteAllBytes(leftover, [1, 2, 3]);

        _ = new FileImageBlobStore(_directory.Path);

        Assert.False(File.Exists(leftover));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_directory.Path, "blobs"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Ids_that_are_not_cids_never_become_paths()
    {
        var store = new FileImageBlobStore(_directory.Path);

        await Assert.ThrowsAsync<ArgumentException>(() => store.ExistsAsync("../../etc/passwd", default));
    }

    [Fact]
    public async Task The_catalog_keeps_entries_across_a_reopen_and_replaces_them_whole()
    {
        var entry = new ImageEntry("tok-1", "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e", Callers.Alice, "ehr-1",
            ImageSignatures.Png, [9, 9], 11, new string('a', 64), [1, 2, 3], null, null);
        await new ImageCatalog(_directory.Path).SaveAsync(entry, default);
        await new ImageCatalog(_directory.Path).SaveAsync(entry with { MintTxId = "tx", MintBlockNumber = 7 }, default);

        var found = await new ImageCatalog(_directory.Path).FindAsync("tok-1", default);

        Assert.NotNull(found);
        Assert.Equal("tx", found.MintTxId);
        Assert.Equal(7UL, found.MintBlockNumber);
        Assert.Equal([1, 2, 3], found.WrappedDataKey);
        Assert.Null(await new ImageCatalog(_directory.Path).FindAsync("tok-2", default));
        Assert.Single(Directory.EnumerateFiles(Path.Combine(_directory.Path, "images")));
    }

    public void Dispose() => _directory.Dispose();
}

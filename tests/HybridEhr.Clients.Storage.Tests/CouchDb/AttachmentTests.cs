using System.Security.Cryptography;
using System.Text.Json.Nodes;
using HybridEhr.Clients.CouchDb;
using Xunit;

namespace HybridEhr.Clients.Storage.Tests.CouchDb;

[Collection(PouchDbCollection.Name)]
public sealed class AttachmentTests(PouchDbFixture fixture)
{
    [Fact]
    public async Task A_five_megabyte_image_round_trips_byte_for_byte()
    {
        var database = await fixture.NewDatabaseAsync();
        var image = RandomNumberGenerator.GetBytes(5 * 1024 * 1024);
        var document = await database.PutAsync("xray-1", new JsonObject { ["patient"] = "p1" });

        var withAttachment = await database.PutAttachmentAsync(
            "xray-1", document.Rev, "knee.png", new MemoryStream(image), "image/png");
        Assert.StartsWith("2-", withAttachment.Rev, StringComparison.Ordinal);

        await using var download = await database.GetAttachmentAsync("xray-1", "knee.png");
        Assert.Equal("image/png", download.ContentType);
        Assert.Equal(image.Length, download.Length);
        var hash = await SHA256.HashDataAsync(download.Content);
        Assert.Equal(SHA256.HashData(image), hash);

        var stub = (await database.GetAsync("xray-1")).GetProperty("_attachments").GetProperty("knee.png");
        Assert.Equal(image.Length, stub.GetProperty("length").GetInt32());
    }

    [Fact]
    public async Task A_stale_revision_missing_attachment_and_deletion_behave_as_documented()
    {
        var database = await fixture.NewDatabaseAsync();
        var first = await database.PutAsync("doc", new JsonObject());
        var second = await database.PutAttachmentAsync("doc", first.Rev, "note.txt", new MemoryStream("v1"u8.ToArray()), "text/plain");

        await Assert.ThrowsAsync<CouchDbConflictException>(() =>
            database.PutAttachmentAsync("doc", first.Rev, "note.txt", new MemoryStream("v2"u8.ToArray()), "text/plain"));
        await Assert.ThrowsAsync<CouchDbNotFoundException>(() => database.GetAttachmentAsync("doc", "missing.txt"));

        var third = await database.DeleteAttachmentAsync("doc", second.Rev, "note.txt");
        Assert.StartsWith("3-", third.Rev, StringComparison.Ordinal);
        await Assert.ThrowsAsync<CouchDbNotFoundException>(() => database.GetAttachmentAsync("doc", "note.txt"));
    }

    [Fact]
    public async Task A_non_seekable_stream_uploads_in_chunks()
    {
        var database = await fixture.NewDatabaseAsync();
        var data = RandomNumberGenerator.GetBytes(300_000);
        var document = await database.PutAsync("doc", new JsonObject());

        await database.PutAttachmentAsync("doc", document.Rev, "blob.bin", new ForwardOnlyStream(data), "application/octet-stream");

        await using var download = await database.GetAttachmentAsync("doc", "blob.bin");
        using var copy = new MemoryStream();
        await download.Content.CopyToAsync(copy);
        Assert.Equal(data, copy.ToArray());
    }

    /// <summary>A stream whose length is unknown, like a network or encryption stream.</summary>
    internal sealed class ForwardOnlyStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

using HybridEhr.Files;
using HybridEhr.ImageNft.Content;

namespace HybridEhr.ImageNft.Storage;

/// <summary>
/// The embedded content-addressed store: one file per CID under <c>blobs/&lt;2 characters&gt;/&lt;cid&gt;</c> (sharded
/// like IPFS's flatfs). Content is written to a temporary file, fsynced, its CID checked, then renamed into place,
/// so a crash never leaves a partial blob under a CID.
/// </summary>
public sealed class FileImageBlobStore : IImageBlobStore
{
    private readonly string _blobs;
    private readonly string _incoming;

    public FileImageBlobStore(string directory)
    {
        _blobs = Path.Combine(directory, "blobs");
        _incoming = Path.Combine(directory, "incoming");
        Directory.CreateDirectory(_blobs);
        Directory.CreateDirectory(_incoming);
        AtomicFile.RemoveLeftovers(_incoming);
    }

    public async Task PutAsync(string cid, Stream content, CancellationToken cancellationToken)
    {
        var target = PathOf(cid);
        var temporary = Path.Combine(_incoming, Guid.NewGuid().ToString("N") + AtomicFile.TemporarySuffix);
        try
        {
            var builder = new UnixFsCidBuilder();
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81_920, FileOptions.Asynchronous))
            {
                var buffer = new byte[81_920];
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    builder.Append(buffer.AsSpan(0, read));
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }

                file.Flush(flushToDisk: true);
            }

            var actual = builder.Complete().ToString();
            if (actual != cid)
            {
                throw new InvalidDataException($"The content's CID is {actual}, not {cid}.");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (!File.Exists(target))
            {
                AtomicFile.MoveIntoPlace(temporary, target);
            }
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public Task<Stream?> OpenReadAsync(string cid, CancellationToken cancellationToken)
    {
        try
        {
            Stream stream = new FileStream(PathOf(cid), FileMode.Open, FileAccess.Read, FileShare.Read, 81_920, FileOptions.Asynchronous | FileOptions.SequentialScan);
            return Task.FromResult<Stream?>(stream);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
    }

    public Task<bool> ExistsAsync(string cid, CancellationToken cancellationToken) => Task.FromResult(File.Exists(PathOf(cid)));

    public Task DeleteAsync(string cid, CancellationToken cancellationToken)
    {
        File.Delete(PathOf(cid));
        return Task.CompletedTask;
    }

    private string PathOf(string cid)
    {
        if (!ContentId.IsWellFormedText(cid))
        {
            throw new ArgumentException($"'{cid}' is not a CIDv1 in base32.", nameof(cid));
        }

        return Path.Combine(_blobs, cid[^3..^1], cid);
    }
}

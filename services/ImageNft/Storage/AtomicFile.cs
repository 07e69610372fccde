namespace HybridEhr.ImageNft.Storage;

/// <summary>Writes that survive kill -9: to a temporary file, flushed to disk, then renamed over the target.</summary>
internal static class AtomicFile
{
    public const string TemporarySuffix = ".tmp";

    public static async Task WriteAllBytesAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var temporary = path + "." + Guid.NewGuid().ToString("N") + TemporarySuffix;
        try
        {
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
            {
                await file.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Removes temporary files a crash left behind in <paramref name="directory"/>.</summary>
    public static void DeleteLeftovers(string directory)
    {
        foreach (var leftover in Directory.EnumerateFiles(directory, "*" + TemporarySuffix))
        {
            File.Delete(leftover);
        }
    }
}

namespace HybridEhr.Files;

/// <summary>
/// Whole-file writes that kill -9 or a power cut never leave half done: the content goes to a temporary file with a
/// name of its own (so concurrent writers of one path never share it), is fsynced, renamed over the target (rename(2)
/// is atomic: a reader sees the old file or the new one), and the directory is fsynced so that the rename itself
/// survives a power cut. A failed write removes its temporary file.
/// </summary>
public static class AtomicFile
{
    /// <summary>How temporary files end; <see cref="RemoveLeftovers"/> deletes the ones a crash left.</summary>
    public const string TemporarySuffix = ".tmp";

    /// <summary>Read and write for the owner only: the mode for keys and anything else secret.</summary>
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Replaces <paramref name="path"/> with <paramref name="content"/>. <paramref name="mode"/> (Unix
    /// permissions, e.g. owner read/write for secrets) applies from the moment the file exists.</summary>
    public static void Write(string path, ReadOnlySpan<byte> content, UnixFileMode? mode = null)
    {
        var temporary = TemporaryPathFor(path);
        try
        {
            WriteDurably(temporary, content, mode);
            MoveIntoPlace(temporary, path);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <inheritdoc cref="Write"/>
    public static async Task WriteAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode? mode = null, CancellationToken cancellationToken = default)
    {
        var temporary = TemporaryPathFor(path);
        try
        {
            var stream = new FileStream(temporary, CreateOptions(mode, FileOptions.Asynchronous));
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            MoveIntoPlace(temporary, path);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// Creates <paramref name="path"/> with <paramref name="content"/> unless it exists; false when it already did (the
    /// existing file is left alone). For files that must never be replaced once written, such as a generated master
    /// key: two processes starting at once both try, one wins, and both then read the winner's file.
    /// </summary>
    public static bool TryCreate(string path, ReadOnlySpan<byte> content, UnixFileMode? mode = null)
    {
        var temporary = TemporaryPathFor(path);
        try
        {
            WriteDurably(temporary, content, mode);
            try
            {
                File.Move(temporary, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                return false;
            }

            DirectorySync.Flush(Path.GetDirectoryName(Path.GetFullPath(path))!);
            return true;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>A fresh temporary name beside <paramref name="path"/> (same directory, so the rename stays atomic).</summary>
    public static string TemporaryPathFor(string path) => $"{path}.{Guid.NewGuid():N}{TemporarySuffix}";

    /// <summary>Renames a complete, fsynced <paramref name="temporary"/> over <paramref name="path"/> and makes the rename durable.</summary>
    public static void MoveIntoPlace(string temporary, string path)
    {
        File.Move(temporary, path, overwrite: true);
        DirectorySync.Flush(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>Deletes temporary files a crash left between write and rename (never acknowledged, so never needed).</summary>
    public static void RemoveLeftovers(string directory, bool recursive = false)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        foreach (var leftover in Directory.EnumerateFiles(directory, "*" + TemporarySuffix, recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly))
        {
            File.Delete(leftover);
        }
    }

    private static void WriteDurably(string temporary, ReadOnlySpan<byte> content, UnixFileMode? mode)
    {
        using var stream = new FileStream(temporary, CreateOptions(mode, FileOptions.None));
        stream.Write(content);
        stream.Flush(flushToDisk: true);
    }

    private static FileStreamOptions CreateOptions(UnixFileMode? mode, FileOptions options)
    {
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, Options = options };
        if (mode is { } unixMode && !OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = unixMode;
        }

        return create;
    }
}

using System.Runtime.InteropServices;

namespace HybridEhr.Files;

/// <summary>
/// fsync of a directory, so that a newly created log file's directory entry survives a power cut (fsync of the file
/// alone does not promise that on Linux). .NET has no API for it; on Unix we call libc, elsewhere it is a no-op.
/// </summary>
public static class DirectorySync
{
    private const int ReadOnly = 0;

    // "libc" alone can resolve to the linker script libc.so on glibc systems; the runtime maps "libc" correctly on macOS.
    private const string LibC = "libc";

    /// <summary>Best effort: true when the directory was fsynced.</summary>
    public static bool Flush(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }
        try
        {
            var descriptor = Open(directory, ReadOnly);
            if (descriptor < 0)
            {
                return false;
            }
            try
            {
                return FileSync(descriptor) == 0;
            }
            finally
            {
                _ = Close(descriptor);
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    // DllImport rather than LibraryImport: the latter needs unsafe code enabled for the whole project. On Unix, .NET
    // marshals "Ansi" strings as UTF-8, which is what open(2) expects.
    [DllImport(LibC, EntryPoint = "open", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int Open(string path, int flags);

    [DllImport(LibC, EntryPoint = "fsync")]
    private static extern int FileSync(int descriptor);

    [DllImport(LibC, EntryPoint = "close")]
    private static extern int Close(int descriptor);
}

namespace HybridEhr.ImageNft.Storage;

/// <summary>Scratch files for uploads in progress: deleted when closed, and whatever a crash left is removed at start.</summary>
public sealed class StagingArea
{
    private readonly string _directory;

    public StagingArea(string directory)
    {
        _directory = Path.Combine(directory, "staging");
        Directory.CreateDirectory(_directory);
        foreach (var leftover in Directory.EnumerateFiles(_directory))
        {
            File.Delete(leftover);
        }
    }

    public FileStream Create() =>
        new(Path.Combine(_directory, Guid.NewGuid().ToString("N")), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81_920, FileOptions.DeleteOnClose);
}

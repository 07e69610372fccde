using System.Text;
using HybridEhr.Files;

namespace HybridEhr.Files.Tests;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("hybridehr-atomicfile-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Fifty_concurrent_writers_of_one_path_leave_one_whole_version_and_no_temporary_file()
    {
        var path = Path.Combine(_directory, "record.json");
        var versions = Enumerable.Range(0, 50).Select(i => Encoding.UTF8.GetBytes(new string((char)('A' + (i % 26)), 10_000 + i))).ToArray();

        // A shared "path.tmp" made these writers overwrite or move each other's temporary file (FileNotFound, IOException).
        await Task.WhenAll(versions.Select((content, i) => Task.Run(async () =>
        {
            if (i % 2 == 0)
            {
                AtomicFile.Write(path, content);
            }
            else
            {
                await AtomicFile.WriteAsync(path, content);
            }
        })));

        var final = await File.ReadAllBytesAsync(path);
        Assert.Contains(versions, version => version.AsSpan().SequenceEqual(final));
        Assert.Equal([path], Directory.GetFiles(_directory));
    }

    [Fact]
    public async Task Of_many_processes_creating_a_key_file_one_wins_and_nobody_replaces_it()
    {
        var path = Path.Combine(_directory, "master-key");

        var created = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => AtomicFile.TryCreate(path, [(byte)i], AtomicFile.OwnerOnly))));

        Assert.Equal(1, created.Count(won => won));
        var winner = Array.IndexOf(created, true);
        Assert.Equal([(byte)winner], await File.ReadAllBytesAsync(path));
        Assert.Equal([path], Directory.GetFiles(_directory));
    }

    [Fact]
    public void The_callers_mode_applies_to_the_written_file()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var secret = Path.Combine(_directory, "secret");
        var plain = Path.Combine(_directory, "plain");
        AtomicFile.Write(secret, [1], AtomicFile.OwnerOnly);
        AtomicFile.TryCreate(plain, [2], UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        Assert.Equal(AtomicFile.OwnerOnly, File.GetUnixFileMode(secret));
        Assert.Equal(UnixFileMode.GroupRead, File.GetUnixFileMode(plain) & UnixFileMode.GroupRead);
    }

    [Fact]
    public async Task A_write_that_fails_leaves_the_old_file_and_no_temporary_file()
    {
        var path = Path.Combine(_directory, "entry.json");
        AtomicFile.Write(path, "old"u8);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => AtomicFile.WriteAsync(path, new byte[1_000_000], cancellationToken: cancelled.Token));

        Assert.Equal("old"u8.ToArray(), await File.ReadAllBytesAsync(path));
        Assert.Equal([path], Directory.GetFiles(_directory));
    }

    [Fact]
    public void Leftovers_of_a_crash_are_removed_and_nothing_else()
    {
        var kept = Path.Combine(_directory, "record.json");
        File.WriteAllText(kept, "{}");
        File.WriteAllText(AtomicFile.TemporaryPathFor(kept), "half");
        Directory.CreateDirectory(Path.Combine(_directory, "r-1"));
        var nested = AtomicFile.TemporaryPathFor(Path.Combine(_directory, "r-1", "v1.json"));
        File.WriteAllText(nested, "half");

        AtomicFile.RemoveLeftovers(_directory);
        Assert.True(File.Exists(nested));
        AtomicFile.RemoveLeftovers(_directory, recursive: true);

        Assert.Equal([kept], Directory.GetFiles(_directory, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void The_directory_is_fsynced_on_Linux() =>
        Assert.Equal(OperatingSystem.IsLinux(), DirectorySync.Flush(_directory));
}

using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace HybridEhr.Permissions.Domain;

/// <summary>What the read model was fed, in order: replaying the entries rebuilds exactly the same state and log.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(ChainEventEntry), "chain_event")]
[JsonDerivedType(typeof(ExpiryEntry), "expiry")]
public abstract record JournalEntry;

/// <summary>A chain event, with the free-text reason that travelled beside it (reasons are not on chain).</summary>
public sealed record ChainEventEntry(PermissionChainEvent Event, string? Reason) : JournalEntry;

/// <summary>The service noticed that a grant reached its expiry (time alone ends a grant; no transaction does).</summary>
public sealed record ExpiryEntry(string Patient, string Doctor, string GrantId, DateTimeOffset ExpiredAt) : JournalEntry;

/// <summary>Durable input log of the read model.</summary>
public interface IReadModelJournal
{
    /// <summary>Changes when the journal is started afresh, so cursors of an older log are recognised.</summary>
    string Epoch { get; }

    /// <summary>Everything appended before this process opened the journal, in order.</summary>
    IEnumerable<JournalEntry> ReadAll();

    /// <summary>Returns once the entry is on disk.</summary>
    void Append(JournalEntry entry);
}

/// <summary>
/// JSON lines, each appended and fsynced before the change it records becomes visible. A torn last line (kill -9
/// mid-write) is cut off on open. The first line names the epoch. Deleting the file (and the chain checkpoint beside
/// it) rebuilds the read model from block 1.
/// </summary>
public sealed class FileReadModelJournal : IReadModelJournal, IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
    private readonly string _path;
    private readonly List<JournalEntry> _loaded = [];
    private readonly FileStream _stream;

    public FileReadModelJournal(string path)
    {
        _path = path;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        Epoch = File.Exists(path) ? Load() : Create();
        _stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read);
    }

    public string Epoch { get; }

    /// <summary>True when the journal was created by this open (the read model starts empty).</summary>
    public bool IsNew { get; private set; }

    /// <summary>The entries found at open, handed over once (the read model replays them at start-up).</summary>
    public IEnumerable<JournalEntry> ReadAll()
    {
        var entries = _loaded.ToArray();
        _loaded.Clear();
        return entries;
    }

    public void Append(JournalEntry entry)
    {
        var line = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(entry, Json) + "\n");
        lock (_stream)
        {
            _stream.Write(line);
            _stream.Flush(flushToDisk: true);
        }
    }

    public void Dispose() => _stream.Dispose();

    private string Create()
    {
        IsNew = true;
        var epoch = Guid.NewGuid().ToString("N")[..12];
        var temporary = _path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            file.Write(Encoding.UTF8.GetBytes(epoch + "\n"));
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, _path, overwrite: true);
        return epoch;
    }

    private string Load()
    {
        var bytes = File.ReadAllBytes(_path);
        var complete = Array.LastIndexOf(bytes, (byte)'\n') + 1;
        if (complete < bytes.Length)
        {
            using var truncate = new FileStream(_path, FileMode.Open, FileAccess.Write);
            truncate.SetLength(complete);
            truncate.Flush(flushToDisk: true);
        }

        var lines = Encoding.UTF8.GetString(bytes, 0, complete).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0)
        {
            throw new InvalidDataException($"The read-model journal {_path} has no epoch line; delete it (and chain.checkpoint) to rebuild from the chain.");
        }

        foreach (var line in lines.Skip(1))
        {
            _loaded.Add(JsonSerializer.Deserialize<JournalEntry>(line, Json)
                ?? throw new InvalidDataException($"The read-model journal {_path} holds an empty entry."));
        }

        return lines[0].Trim();
    }
}

/// <summary>A journal that keeps nothing (tests, or a model replayed in memory).</summary>
public sealed class InMemoryReadModelJournal(string epoch = "test") : IReadModelJournal
{
    private readonly List<JournalEntry> _entries = [];

    public string Epoch => epoch;

    public IReadOnlyList<JournalEntry> Entries => _entries;

    public IEnumerable<JournalEntry> ReadAll() => _entries.ToList();

    public void Append(JournalEntry entry) => _entries.Add(entry);
}

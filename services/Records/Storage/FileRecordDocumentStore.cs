using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using HybridEhr.Files;

namespace HybridEhr.Records.Storage;

/// <summary>
/// The embedded document store: &lt;directory&gt;/&lt;record id&gt;/record.json and v&lt;version&gt;.json, each replaced
/// atomically (temp file, fsync, rename), so a kill -9 leaves every document either as it was or as written.
/// Revisions are checked under one lock; the per-patient index is rebuilt from the headers when the store opens.
/// </summary>
public sealed partial class FileRecordDocumentStore : IRecordDocumentStore
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    private readonly string _directory;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly Dictionary<string, HashSet<string>> _byPatient = new(StringComparer.Ordinal);

    public FileRecordDocumentStore(string directory)
    {
        _directory = directory;
        Directory.CreateDirectory(directory);
        AtomicFile.RemoveLeftovers(directory, recursive: true);
        foreach (var file in Directory.EnumerateFiles(directory, "record.json", SearchOption.AllDirectories))
        {
            var record = JsonSerializer.Deserialize<StoredRecord>(File.ReadAllBytes(file), Json)!;
            Index(record);
        }
    }

    public async Task<StoredRecord?> GetRecordAsync(string recordId, CancellationToken cancellationToken)
    {
        var path = RecordPath(recordId);
        return File.Exists(path) ? JsonSerializer.Deserialize<StoredRecord>(await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false), Json) : null;
    }

    public async Task<StoredRecord> PutRecordAsync(StoredRecord record, CancellationToken cancellationToken)
    {
        var path = RecordPath(record.RecordId);
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = File.Exists(path) ? JsonSerializer.Deserialize<StoredRecord>(File.ReadAllBytes(path), Json) : null;
            CheckRevision(current?.Revision, record.Revision, $"record {record.RecordId}");
            var written = record with { Revision = NextRevision(current?.Revision) };
            Write(path, JsonSerializer.SerializeToUtf8Bytes(written, Json));
            Index(written);
            return written;
        }
        finally
        {
            _lock.Release();
        }
    }

    public async Task<StoredVersion?> GetVersionAsync(string recordId, long version, CancellationToken cancellationToken)
    {
        var path = VersionPath(recordId, version);
        return File.Exists(path) ? JsonSerializer.Deserialize<StoredVersion>(await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false), Json) : null;
    }

    public async Task<StoredVersion> PutVersionAsync(StoredVersion version, CancellationToken cancellationToken)
    {
        var path = VersionPath(version.RecordId, version.Version);
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = File.Exists(path) ? JsonSerializer.Deserialize<StoredVersion>(File.ReadAllBytes(path), Json) : null;
            CheckRevision(current?.Revision, version.Revision, $"version {version.Version} of record {version.RecordId}");
            var written = version with { Revision = NextRevision(current?.Revision) };
            Write(path, JsonSerializer.SerializeToUtf8Bytes(written, Json));
            return written;
        }
        finally
        {
            _lock.Release();
        }
    }

    public async Task DeleteVersionAsync(string recordId, long version, string revision, CancellationToken cancellationToken)
    {
        var path = VersionPath(recordId, version);
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = File.Exists(path) ? JsonSerializer.Deserialize<StoredVersion>(File.ReadAllBytes(path), Json) : null;
            CheckRevision(current?.Revision, revision, $"version {version} of record {recordId}");
            File.Delete(path);
        }
        finally
        {
            _lock.Release();
        }
    }

    public async Task<IReadOnlyList<StoredRecord>> ListByPatientAsync(string patientAccountId, CancellationToken cancellationToken)
    {
        string[] ids;
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ids = _byPatient.TryGetValue(patientAccountId, out var set) ? [.. set] : [];
        }
        finally
        {
            _lock.Release();
        }

        var records = new List<StoredRecord>(ids.Length);
        foreach (var id in ids)
        {
            if (await GetRecordAsync(id, cancellationToken).ConfigureAwait(false) is { } record)
            {
                records.Add(record);
            }
        }

        return records;
    }

    private void Index(StoredRecord record)
    {
        if (!_byPatient.TryGetValue(record.PatientAccountId, out var set))
        {
            _byPatient[record.PatientAccountId] = set = new HashSet<string>(StringComparer.Ordinal);
        }

        set.Add(record.RecordId);
    }

    private static void CheckRevision(string? stored, string? expected, string what)
    {
        if (!string.Equals(stored, expected, StringComparison.Ordinal))
        {
            throw new RevisionConflictException(stored is null
                ? $"The store has no {what} at revision {expected}."
                : $"The store's {what} is at revision {stored}, not {expected ?? "(new)"}.");
        }
    }

    private static string NextRevision(string? current)
    {
        var generation = current is null ? 1 : long.Parse(current[..current.IndexOf('-', StringComparison.Ordinal)], CultureInfo.InvariantCulture) + 1;
        return $"{generation}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
    }

    private string RecordPath(string recordId) => Path.Combine(RecordDirectory(recordId), "record.json");

    private static void Write(string path, byte[] content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.Write(path, content);
    }

    private string VersionPath(string recordId, long version) =>
        Path.Combine(RecordDirectory(recordId), $"v{version.ToString("D8", CultureInfo.InvariantCulture)}.json");

    private string RecordDirectory(string recordId) => SafeId().IsMatch(recordId)
        ? Path.Combine(_directory, recordId)
        : throw new ArgumentException($"'{recordId}' is not a record id this store issues.", nameof(recordId));

    // Server-issued ids only: no dots, slashes or colons, so an id can never name a path outside the store.
    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex SafeId();
}

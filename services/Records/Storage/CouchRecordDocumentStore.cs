using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using HybridEhr.Clients.CouchDb;

namespace HybridEhr.Records.Storage;

/// <summary>
/// Record documents in a CouchDB database: one document per header ("record:&lt;id&gt;") and per version
/// ("version:&lt;id&gt;:&lt;version&gt;"), the store's revision being CouchDB's own _rev, so CouchDB does the optimistic
/// concurrency. A patient's headers are found through a Mango index on (docType, patientAccountId). The database and
/// index are created on first use, so the service starts (and answers health checks) before CouchDB is reachable.
/// </summary>
public sealed class CouchRecordDocumentStore : IRecordDocumentStore
{
    private const string RecordType = "record";
    private const string VersionType = "version";
    private const string PatientIndexDesign = "records-by-patient";

    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    private readonly CouchDbClient _client;
    private readonly string _databaseName;
    private readonly SemaphoreSlim _openLock = new(1, 1);
    private CouchDatabase? _database;

    public CouchRecordDocumentStore(CouchDbClient client, string databaseName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databaseName);
        _client = client;
        _databaseName = databaseName;
    }

    public Task<StoredRecord?> GetRecordAsync(string recordId, CancellationToken cancellationToken) =>
        CallAsync(async database =>
            await database.TryGetAsync(RecordDocumentId(recordId), cancellationToken).ConfigureAwait(false) is { } document
                ? FromDocument<StoredRecord>(document) with { Revision = RevisionOf(document) }
                : null,
            cancellationToken);

    public async Task<StoredRecord> PutRecordAsync(StoredRecord record, CancellationToken cancellationToken)
    {
        var revision = await PutAsync(RecordDocumentId(record.RecordId), RecordType, record with { Revision = null }, record.Revision,
            $"record {record.RecordId}", cancellationToken).ConfigureAwait(false);
        return record with { Revision = revision };
    }

    public Task<StoredVersion?> GetVersionAsync(string recordId, long version, CancellationToken cancellationToken) =>
        CallAsync(async database =>
            await database.TryGetAsync(VersionDocumentId(recordId, version), cancellationToken).ConfigureAwait(false) is { } document
                ? FromDocument<StoredVersion>(document) with { Revision = RevisionOf(document) }
                : null,
            cancellationToken);

    public async Task<StoredVersion> PutVersionAsync(StoredVersion version, CancellationToken cancellationToken)
    {
        var revision = await PutAsync(VersionDocumentId(version.RecordId, version.Version), VersionType, version with { Revision = null },
            version.Revision, $"version {version.Version} of record {version.RecordId}", cancellationToken).ConfigureAwait(false);
        return version with { Revision = revision };
    }

    public Task DeleteVersionAsync(string recordId, long version, string revision, CancellationToken cancellationToken) =>
        CallAsync(async database =>
        {
            try
            {
                return await database.DeleteAsync(VersionDocumentId(recordId, version), revision, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is CouchDbConflictException or CouchDbNotFoundException)
            {
                throw new RevisionConflictException($"The store's version {version} of record {recordId} is not at revision {revision}: {e.Message}");
            }
        }, cancellationToken);

    public Task<IReadOnlyList<StoredRecord>> ListByPatientAsync(string patientAccountId, CancellationToken cancellationToken) =>
        CallAsync(database => FindByPatientAsync(database, patientAccountId, cancellationToken), cancellationToken);

    private static async Task<IReadOnlyList<StoredRecord>> FindByPatientAsync(CouchDatabase database, string patientAccountId, CancellationToken cancellationToken)
    {
        var query = new FindQuery
        {
            Selector = new JsonObject { ["docType"] = RecordType, ["patientAccountId"] = patientAccountId },
            UseIndex = "_design/" + PatientIndexDesign,
        };
        var records = new List<StoredRecord>();
        await foreach (var page in database.FindPagesAsync(query, pageSize: 200, cancellationToken).ConfigureAwait(false))
        {
            records.AddRange(page.Docs.Select(document => FromDocument<StoredRecord>(document) with { Revision = RevisionOf(document) }));
        }

        return records;
    }

    private Task<string> PutAsync<T>(string documentId, string documentType, T content, string? expectedRevision, string what,
        CancellationToken cancellationToken)
    {
        var document = JsonSerializer.SerializeToNode(content, Json)!.AsObject();
        document.Remove("revision");
        document["docType"] = documentType;
        return CallAsync(async database =>
        {
            try
            {
                return (await database.PutAsync(documentId, document, expectedRevision, cancellationToken).ConfigureAwait(false)).Rev;
            }
            catch (CouchDbConflictException e)
            {
                throw new RevisionConflictException($"The store's {what} is not at revision {expectedRevision ?? "(new)"}: {e.Reason}");
            }
        }, cancellationToken);
    }

    /// <summary>
    /// One call on the database. A server that cannot be reached or fails is UNAVAILABLE (retry later), not an internal
    /// error; a document that no longer parses was altered in the server: DATA_LOSS.
    /// </summary>
    private async Task<T> CallAsync<T>(Func<CouchDatabase, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call(await OpenAsync(cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException
            || (e is CouchDbException && e is not (CouchDbConflictException or CouchDbNotFoundException)))
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"The record store (CouchDB) cannot be used right now ({e.Message}); retry shortly."));
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidDataException)
        {
            throw new RpcException(new Status(StatusCode.DataLoss, $"A stored record document is malformed ({e.Message}): it was altered in the store."));
        }
    }

    /// <summary>The database and the patient index, made once (a failed attempt is retried on the next call).</summary>
    private async Task<CouchDatabase> OpenAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _database) is { } open)
        {
            return open;
        }

        await _openLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_database is null)
            {
                var database = await _client.EnsureDatabaseAsync(_databaseName, cancellationToken).ConfigureAwait(false);
                await database.CreateIndexAsync(new IndexDefinition(["docType", "patientAccountId"], "by-patient", PatientIndexDesign), cancellationToken)
                    .ConfigureAwait(false);
                Volatile.Write(ref _database, database);
            }

            return _database!;
        }
        finally
        {
            _openLock.Release();
        }
    }

    private static T FromDocument<T>(JsonElement document) =>
        document.Deserialize<T>(Json) ?? throw new InvalidDataException($"Document {RevisionOf(document)} is not a {typeof(T).Name}.");

    private static string RevisionOf(JsonElement document) =>
        document.TryGetProperty("_rev", out var rev) && rev.GetString() is { } text ? text : throw new InvalidDataException("A stored document has no _rev.");

    private static string RecordDocumentId(string recordId) => "record:" + recordId;

    private static string VersionDocumentId(string recordId, long version) =>
        $"version:{recordId}:{version.ToString("D8", CultureInfo.InvariantCulture)}";
}

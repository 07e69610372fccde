using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HybridEhr.Clients.CouchDb;

/// <summary>Calls on one database: documents, bulk writes, <c>_all_docs</c>, Mango, changes and attachments.</summary>
public sealed partial class CouchDatabase
{
    private readonly CouchDbTransport _transport;
    private readonly Func<CancellationToken, Task<ServerDialect>> _dialect;
    private readonly string _path;

    internal CouchDatabase(CouchDbTransport transport, string name, Func<CancellationToken, Task<ServerDialect>> dialect)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _transport = transport;
        _dialect = dialect;
        Name = name;
        _path = EscapeDatabaseName(name) + "/";
    }

    public string Name { get; }

    private JsonSerializerOptions SerializerOptions => _transport.Options.SerializerOptions;

    /// <summary>Document count and update sequence of the database (<see cref="CouchDbNotFoundException"/> if missing).</summary>
    public async Task<DatabaseInfo> GetInfoAsync(CancellationToken cancellationToken = default)
    {
        var info = await _transport.SendJsonAsync(HttpMethod.Get, _path, null, RetryMode.Safe, cancellationToken).ConfigureAwait(false);
        return new DatabaseInfo(
            CouchDbTransport.ReadString(info, "db_name") ?? Name,
            CouchDbClient.Optional(info, "doc_count")?.GetInt64() ?? 0,
            CouchDbClient.Optional(info, "doc_del_count")?.GetInt64() ?? 0,
            CouchDbClient.Optional(info, "update_seq") is { } seq ? ReadSequence(seq) : "0");
    }

    /// <summary>The current document (or the given revision of it). Throws <see cref="CouchDbNotFoundException"/>.</summary>
    public Task<JsonElement> GetAsync(string id, string? rev = null, CancellationToken cancellationToken = default) =>
        _transport.SendJsonAsync(HttpMethod.Get, DocumentPath(id) + Query(("rev", rev)), null, RetryMode.Safe, cancellationToken);

    public async Task<T> GetAsync<T>(string id, CancellationToken cancellationToken = default)
    {
        var document = await GetAsync(id, null, cancellationToken).ConfigureAwait(false);
        return document.Deserialize<T>(SerializerOptions)
            ?? throw new CouchDbException($"Document {id} deserialised to null.");
    }

    /// <summary>The current document, or null when it does not exist (or was deleted).</summary>
    public async Task<JsonElement?> TryGetAsync(string id, CancellationToken cancellationToken = default)
    {
        try
        {
            return await GetAsync(id, null, cancellationToken).ConfigureAwait(false);
        }
        catch (CouchDbNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The current revision (HEAD where the ETag is the revision), or null when the document does not exist.</summary>
    public async Task<string?> GetRevisionAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!(await _dialect(cancellationToken).ConfigureAwait(false)).DocumentETagIsRevision)
        {
            return await TryGetAsync(id, cancellationToken).ConfigureAwait(false) is { } document
                ? CouchDbTransport.ReadString(document, "_rev")
                : null;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_transport.Options.RequestTimeout);
        using var response = await _transport.SendAsync(
            () => new HttpRequestMessage(HttpMethod.Head, DocumentPath(id)), RetryMode.Safe,
            HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }

        await CouchDbTransport.EnsureSuccessAsync(response, timeout.Token).ConfigureAwait(false);
        return response.Headers.ETag?.Tag.Trim('"');
    }

    /// <summary>
    /// Creates (rev null) or updates (rev = the current revision) a document. A stale or missing revision throws
    /// <see cref="CouchDbConflictException"/>.
    /// </summary>
    public async Task<DocumentRevision> PutAsync(string id, JsonObject document, string? rev = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        var result = await _transport.SendJsonAsync(
            HttpMethod.Put, DocumentPath(id) + Query(("rev", rev)), document, RetryMode.ConnectOnly, cancellationToken).ConfigureAwait(false);
        return ReadRevision(result);
    }

    public Task<DocumentRevision> PutAsync<T>(string id, T document, string? rev = null, CancellationToken cancellationToken = default) =>
        PutAsync(id, ToObject(document), rev, cancellationToken);

    /// <summary>Deletes a revision (leaves a tombstone). A stale revision throws <see cref="CouchDbConflictException"/>.</summary>
    public async Task<DocumentRevision> DeleteAsync(string id, string rev, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(rev);
        var result = await _transport.SendJsonAsync(
            HttpMethod.Delete, DocumentPath(id) + Query(("rev", rev)), null, RetryMode.ConnectOnly, cancellationToken).ConfigureAwait(false);
        return ReadRevision(result);
    }

    /// <summary>Writes many documents in one request; each gets its own result, in the order sent (conflicts do not fail the batch).</summary>
    public async Task<IReadOnlyList<BulkSaveResult>> BulkSaveAsync(IEnumerable<JsonObject> documents, CancellationToken cancellationToken = default)
    {
        var sent = documents.ToList();
        var body = new JsonObject { ["docs"] = new JsonArray([.. sent.Select(document => document.DeepClone())]) };
        var results = await _transport.SendJsonAsync(HttpMethod.Post, _path + "_bulk_docs", body, RetryMode.ConnectOnly, cancellationToken)
            .ConfigureAwait(false);
        List<BulkSaveResult> rows = [.. results.EnumerateArray().Select(row => new BulkSaveResult(
            CouchDbTransport.ReadString(row, "id") ?? "",
            CouchDbTransport.ReadString(row, "rev"),
            CouchDbTransport.ReadString(row, "error"),
            CouchDbTransport.ReadString(row, "reason")))];
        return InRequestOrder(sent, rows);
    }

    /// <summary>
    /// CouchDB answers _bulk_docs in the order of the request, but pouchdb-server has been seen to answer out of order
    /// under load; when every document sent names a distinct _id, the results are put back in the order sent.
    /// </summary>
    private static List<BulkSaveResult> InRequestOrder(List<JsonObject> sent, List<BulkSaveResult> rows)
    {
        var ids = sent.Select(document => document["_id"] is JsonValue value && value.TryGetValue<string>(out var id) ? id : null).ToList();
        if (ids.Any(id => id is null) || ids.Distinct(StringComparer.Ordinal).Count() != ids.Count || rows.Count != ids.Count)
        {
            return rows;
        }

        var position = ids.Select((id, index) => (id!, index)).ToDictionary(pair => pair.Item1, pair => pair.index, StringComparer.Ordinal);
        return rows.All(row => position.ContainsKey(row.Id)) ? [.. rows.OrderBy(row => position[row.Id])] : rows;
    }

    public async Task<AllDocsResult> AllDocsAsync(AllDocsQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new AllDocsQuery();
        var path = _path + "_all_docs" + Query(
            ("include_docs", query.IncludeDocs ? "true" : null),
            ("startkey", query.StartKey is null ? null : JsonSerializer.Serialize(query.StartKey)),
            ("endkey", query.EndKey is null ? null : JsonSerializer.Serialize(query.EndKey)),
            ("limit", query.Limit?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("skip", query.Skip?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("descending", query.Descending ? "true" : null));
        // Keys go in a POST body: a long key list would not fit in a URL.
        var result = query.Keys is null
            ? await _transport.SendJsonAsync(HttpMethod.Get, path, null, RetryMode.Safe, cancellationToken).ConfigureAwait(false)
            : await _transport.SendJsonAsync(HttpMethod.Post, path, new JsonObject { ["keys"] = new JsonArray([.. query.Keys.Select(k => (JsonNode)k)]) },
                RetryMode.Safe, cancellationToken).ConfigureAwait(false);
        var rows = result.GetProperty("rows").EnumerateArray().Select(row =>
        {
            var value = CouchDbClient.Optional(row, "value");
            return new AllDocsRow(
                CouchDbTransport.ReadString(row, "id"),
                CouchDbTransport.ReadString(row, "key") ?? "",
                value is { } v ? CouchDbTransport.ReadString(v, "rev") : null,
                value is { } d && d.TryGetProperty("deleted", out var deleted) && deleted.ValueKind == JsonValueKind.True,
                CouchDbClient.Optional(row, "doc"),
                CouchDbTransport.ReadString(row, "error"));
        });
        return new AllDocsResult(
            CouchDbClient.Optional(result, "total_rows")?.GetInt64() ?? 0,
            CouchDbClient.Optional(result, "offset")?.GetInt64() ?? 0,
            [.. rows]);
    }

    internal static string EscapeDatabaseName(string name) => Uri.EscapeDataString(name);

    /// <summary>Design and local documents keep their prefix's slash; everything else is escaped whole.</summary>
    private string DocumentPath(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        foreach (var prefix in (ReadOnlySpan<string>)["_design/", "_local/"])
        {
            if (id.StartsWith(prefix, StringComparison.Ordinal))
            {
                return _path + prefix + Uri.EscapeDataString(id[prefix.Length..]);
            }
        }

        return _path + Uri.EscapeDataString(id);
    }

    private JsonObject ToObject<T>(T document) =>
        JsonSerializer.SerializeToNode(document, SerializerOptions) as JsonObject
        ?? throw new ArgumentException("A document must serialise to a JSON object.", nameof(document));

    private static DocumentRevision ReadRevision(JsonElement result) =>
        new(CouchDbTransport.ReadString(result, "id") ?? "", CouchDbTransport.ReadString(result, "rev") ?? "");

    private static string Query(params ReadOnlySpan<(string Name, string? Value)> parameters)
    {
        var builder = new StringBuilder();
        foreach (var (name, value) in parameters)
        {
            if (value is null)
            {
                continue;
            }

            builder.Append(builder.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }

        return builder.ToString();
    }
}

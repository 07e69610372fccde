using System.Text.Json;
using System.Text.Json.Nodes;

namespace HybridEhr.Clients.CouchDb;

/// <summary>What <c>GET /</c> says about the server.</summary>
public sealed record CouchServerInfo(string Vendor, string Version, ServerDialect Dialect, JsonElement Raw);

/// <summary>What <c>GET /{db}</c> says; <see cref="UpdateSequence"/> is a valid <see cref="ChangesRequest.Since"/>.</summary>
public sealed record DatabaseInfo(string Name, long DocumentCount, long DeletedDocumentCount, string UpdateSequence);

/// <summary>A document's id and the revision a write produced (or that a read returned).</summary>
public sealed record DocumentRevision(string Id, string Rev);

/// <summary>One document's outcome in a <c>_bulk_docs</c> call; a failed one carries CouchDB's error and reason.</summary>
public sealed record BulkSaveResult(string Id, string? Rev, string? Error, string? Reason)
{
    public bool Succeeded => Error is null;

    public bool IsConflict => Error == "conflict";
}

/// <summary>Options of <c>_all_docs</c>. Keys are document ids; <see cref="Keys"/> fetches exactly those.</summary>
public sealed record AllDocsQuery
{
    public bool IncludeDocs { get; init; }

    public string? StartKey { get; init; }

    public string? EndKey { get; init; }

    public IReadOnlyList<string>? Keys { get; init; }

    public int? Limit { get; init; }

    public int? Skip { get; init; }

    public bool Descending { get; init; }
}

public sealed record AllDocsRow(string? Id, string Key, string? Rev, bool Deleted, JsonElement? Doc, string? Error);

public sealed record AllDocsResult(long TotalRows, long Offset, IReadOnlyList<AllDocsRow> Rows);

/// <summary>A Mango sort key.</summary>
public sealed record SortField(string Field, bool Descending = false);

/// <summary>A JSON index over fields, for <c>_find</c> selectors and sorts.</summary>
public sealed record IndexDefinition(IReadOnlyList<string> Fields, string? Name = null, string? DesignDocument = null);

public sealed record IndexResult(string DesignDocument, string Name, bool Created);

/// <summary>A Mango query. Paging: <see cref="Bookmark"/> on CouchDB, <see cref="Skip"/> anywhere.</summary>
public sealed record FindQuery
{
    public required JsonObject Selector { get; init; }

    public IReadOnlyList<string>? Fields { get; init; }

    public IReadOnlyList<SortField>? Sort { get; init; }

    public int? Limit { get; init; }

    public int? Skip { get; init; }

    public string? Bookmark { get; init; }

    /// <summary>Design document (or [ddoc, name]) of the index to use.</summary>
    public string? UseIndex { get; init; }
}

/// <summary>One page of <c>_find</c>. <see cref="Bookmark"/> is null where the server has none.</summary>
public sealed record FindResult(IReadOnlyList<JsonElement> Docs, string? Bookmark, string? Warning);

public enum ChangesFeedMode
{
    /// <summary>One answer with the changes so far.</summary>
    Normal,

    /// <summary>Waits for at least one change, then answers; repeated to keep following.</summary>
    Longpoll,

    /// <summary>One open response, one line per change, blank lines as heartbeats.</summary>
    Continuous,
}

/// <summary>What to read from <c>_changes</c> and from where.</summary>
public sealed record ChangesRequest
{
    /// <summary>Sequence to start after (opaque: a string on CouchDB 3, a number on pouchdb-server); "now" or null.</summary>
    public string? Since { get; init; }

    public ChangesFeedMode Feed { get; init; } = ChangesFeedMode.Normal;

    public bool IncludeDocs { get; init; }

    public int? Limit { get; init; }

    /// <summary>Continuous feeds: the server sends a blank line this often; silence for twice as long = dead link.</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Longpoll: how long one request waits for a change before it is repeated.</summary>
    public TimeSpan LongpollTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Only changes of these documents (filter=_doc_ids).</summary>
    public IReadOnlyList<string>? DocumentIds { get; init; }
}

/// <summary>One row of <c>_changes</c>. <see cref="Seq"/> is what to pass as <see cref="ChangesRequest.Since"/> to resume.</summary>
public sealed record DocumentChange(string Seq, string Id, IReadOnlyList<string> Revisions, bool Deleted, JsonElement? Doc);

/// <summary>A streamed attachment body; dispose it to release the connection.</summary>
public sealed class AttachmentContent(HttpResponseMessage response, Stream content) : IDisposable, IAsyncDisposable
{
    public Stream Content { get; } = content;

    public string? ContentType { get; } = response.Content.Headers.ContentType?.ToString();

    public long? Length { get; } = response.Content.Headers.ContentLength;

    public void Dispose()
    {
        Content.Dispose();
        response.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await Content.DisposeAsync().ConfigureAwait(false);
        response.Dispose();
    }
}

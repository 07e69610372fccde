using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HybridEhr.Clients.CouchDb;

public sealed partial class CouchDatabase
{
    /// <summary>Creates a JSON index (or finds the identical one already there).</summary>
    public async Task<IndexResult> CreateIndexAsync(IndexDefinition index, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(index);
        var body = new JsonObject
        {
            ["index"] = new JsonObject { ["fields"] = new JsonArray([.. index.Fields.Select(field => (JsonNode)field)]) },
            ["type"] = "json",
        };
        if (index.Name is not null)
        {
            body["name"] = index.Name;
        }

        if (index.DesignDocument is not null)
        {
            body["ddoc"] = index.DesignDocument;
        }

        var result = await _transport.SendJsonAsync(HttpMethod.Post, _path + "_index", body, RetryMode.Safe, cancellationToken)
            .ConfigureAwait(false);
        return new IndexResult(
            CouchDbTransport.ReadString(result, "id") ?? "",
            CouchDbTransport.ReadString(result, "name") ?? "",
            CouchDbTransport.ReadString(result, "result") == "created");
    }

    /// <summary>One Mango query. Sorting needs an index covering the sort fields.</summary>
    public async Task<FindResult> FindAsync(FindQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var dialect = await _dialect(cancellationToken).ConfigureAwait(false);
        var body = new JsonObject { ["selector"] = query.Selector.DeepClone() };
        if (query.Fields is { } fields)
        {
            body["fields"] = new JsonArray([.. fields.Select(field => (JsonNode)field)]);
        }

        if (dialect.AdaptSort(query.Selector, query.Sort) is { Count: > 0 } sort)
        {
            body["sort"] = new JsonArray([.. sort.Select(key => (JsonNode)new JsonObject { [key.Field] = key.Descending ? "desc" : "asc" })]);
        }

        if (query.Limit is { } limit)
        {
            body["limit"] = limit;
        }

        if (query.Skip is { } skip)
        {
            body["skip"] = skip;
        }

        if (query.Bookmark is { } bookmark && dialect.SupportsFindBookmarks)
        {
            body["bookmark"] = bookmark;
        }

        if (query.UseIndex is { } useIndex)
        {
            body["use_index"] = useIndex;
        }

        var result = await _transport.SendJsonAsync(HttpMethod.Post, _path + "_find", body, RetryMode.Safe, cancellationToken)
            .ConfigureAwait(false);
        return new FindResult(
            [.. result.GetProperty("docs").EnumerateArray()],
            CouchDbTransport.ReadString(result, "bookmark"),
            CouchDbTransport.ReadString(result, "warning"));
    }

    /// <summary>
    /// Every match, page by page: by bookmark where the server supports it, else by skip (then a page can shift if
    /// documents are written meanwhile).
    /// </summary>
    public async IAsyncEnumerable<FindResult> FindPagesAsync(
        FindQuery query, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pageSize);
        var dialect = await _dialect(cancellationToken).ConfigureAwait(false);
        var page = query with { Limit = pageSize };
        var skip = query.Skip ?? 0;
        while (true)
        {
            var result = await FindAsync(page, cancellationToken).ConfigureAwait(false);
            if (result.Docs.Count == 0)
            {
                yield break;
            }

            yield return result;
            if (result.Docs.Count < pageSize)
            {
                yield break;
            }

            if (dialect.SupportsFindBookmarks && result.Bookmark is not null)
            {
                page = page with { Bookmark = result.Bookmark, Skip = null };
            }
            else
            {
                skip += result.Docs.Count;
                page = page with { Skip = skip };
            }
        }
    }

    /// <summary>Every match deserialised, following pages.</summary>
    public async IAsyncEnumerable<T> FindAllAsync<T>(
        FindQuery query, int pageSize = 100, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var page in FindPagesAsync(query, pageSize, cancellationToken).ConfigureAwait(false))
        {
            foreach (var document in page.Docs)
            {
                yield return document.Deserialize<T>(SerializerOptions)!;
            }
        }
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;

namespace HybridEhr.Clients.CouchDb;

/// <summary>
/// What the server behind the URL can do, detected once from <c>GET /</c>. The client is written to CouchDB 3's
/// documented API; every known deviation of pouchdb-server is decided here and nowhere else.
/// </summary>
public sealed class ServerDialect
{
    private ServerDialect(string vendor, string version, bool isPouchDbServer)
    {
        Vendor = vendor;
        Version = version;
        IsPouchDbServer = isPouchDbServer;
    }

    public static ServerDialect CouchDb3 { get; } = new("couchdb", "3", isPouchDbServer: false);

    public string Vendor { get; }

    public string Version { get; }

    public bool IsPouchDbServer { get; }

    /// <summary>CouchDB has <c>GET /_up</c>; pouchdb-server does not, so health falls back to <c>GET /</c>.</summary>
    public bool HasUpEndpoint => !IsPouchDbServer;

    /// <summary>CouchDB pages <c>_find</c> with bookmarks; pouchdb-server returns none, so paging uses skip.</summary>
    public bool SupportsFindBookmarks => !IsPouchDbServer;

    /// <summary>pouchdb-server keeps a longpoll open past its <c>timeout</c>; the client then ends the wait itself.</summary>
    public bool HonoursLongpollTimeout => !IsPouchDbServer;

    /// <summary>CouchDB's ETag on a document is its revision; pouchdb-server's is a hash of the body.</summary>
    public bool DocumentETagIsRevision => !IsPouchDbServer;

    /// <summary>CouchDB answers 404 when deleting a missing database; pouchdb-server answers 200.</summary>
    public bool ReportsMissingDatabaseOnDelete => !IsPouchDbServer;

    /// <summary>pouchdb-server refuses a sort that does not start with the index's leading fields.</summary>
    public bool SortMustStartWithIndexFields => IsPouchDbServer;

    public static ServerDialect FromServerInfo(JsonElement info)
    {
        var version = CouchDbTransport.ReadString(info, "version") ?? "";
        if (info.TryGetProperty("couchdb", out _))
        {
            return new ServerDialect("couchdb", version, isPouchDbServer: false);
        }

        var vendor = info.TryGetProperty("vendor", out var v) ? CouchDbTransport.ReadString(v, "name") : null;
        var isPouch = info.TryGetProperty("express-pouchdb", out _) || info.TryGetProperty("pouchdb-server", out _)
            || (vendor?.Contains("pouch", StringComparison.OrdinalIgnoreCase) ?? false);
        return new ServerDialect(isPouch ? "pouchdb-server" : vendor ?? "unknown", version, isPouch);
    }

    /// <summary>
    /// Prefixes the sort with the selector's equality-matched fields when the server insists that a sort starts with
    /// the index's leading fields. Every matching document has the same value there, so the order is unchanged.
    /// </summary>
    internal IReadOnlyList<SortField>? AdaptSort(JsonObject selector, IReadOnlyList<SortField>? sort)
    {
        if (!SortMustStartWithIndexFields || sort is not { Count: > 0 })
        {
            return sort;
        }

        var descending = sort[0].Descending;
        var prefix = selector
            .Where(pair => !pair.Key.StartsWith('$') && IsEqualityMatch(pair.Value))
            .Select(pair => new SortField(pair.Key, descending))
            .Where(candidate => sort.All(existing => existing.Field != candidate.Field));
        return [.. prefix, .. sort];
    }

    private static bool IsEqualityMatch(JsonNode? condition) => condition switch
    {
        null => true,
        JsonValue => true,
        JsonObject operators => operators.Count == 1 && operators.ContainsKey("$eq"),
        _ => false,
    };

    public override string ToString() => $"{Vendor} {Version}";
}

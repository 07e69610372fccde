using System.Text.Json;

namespace HybridEhr.Clients.CouchDb;

/// <summary>
/// Server-level calls and the entry to databases. One instance per server, shared (it pools connections).
/// </summary>
public sealed class CouchDbClient : IDisposable
{
    private readonly CouchDbTransport _transport;
    private Task<ServerDialect>? _dialect;

    public CouchDbClient(CouchDbOptions options, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _transport = new CouchDbTransport(options, handler);
    }

    public CouchDbOptions Options => _transport.Options;

    public async Task<CouchServerInfo> GetServerInfoAsync(CancellationToken cancellationToken = default)
    {
        var info = await _transport.SendJsonAsync(HttpMethod.Get, "", null, RetryMode.Safe, cancellationToken).ConfigureAwait(false);
        var dialect = ServerDialect.FromServerInfo(info);
        return new CouchServerInfo(dialect.Vendor, dialect.Version, dialect, info);
    }

    /// <summary>The server's dialect, detected on first use and then remembered (a failed detection is retried).</summary>
    public Task<ServerDialect> GetDialectAsync(CancellationToken cancellationToken = default)
    {
        var current = _dialect;
        if (current is { IsFaulted: false, IsCanceled: false })
        {
            return current;
        }

        var detection = DetectAsync(cancellationToken);
        _dialect = detection;
        return detection;

        async Task<ServerDialect> DetectAsync(CancellationToken token) =>
            (await GetServerInfoAsync(token).ConfigureAwait(false)).Dialect;
    }

    /// <summary>True when the server answers its health endpoint (<c>/_up</c>, or <c>/</c> where there is none).</summary>
    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var dialect = await GetDialectAsync(cancellationToken).ConfigureAwait(false);
            var up = await _transport.SendJsonAsync(
                HttpMethod.Get, dialect.HasUpEndpoint ? "_up" : "", null, RetryMode.None, cancellationToken).ConfigureAwait(false);
            return !dialect.HasUpEndpoint || CouchDbTransport.ReadString(up, "status") == "ok";
        }
        catch (Exception e) when (e is HttpRequestException or CouchDbException or TimeoutException)
        {
            return false;
        }
    }

    public async Task<IReadOnlyList<string>> ListDatabasesAsync(CancellationToken cancellationToken = default)
    {
        var names = await _transport.SendJsonAsync(HttpMethod.Get, "_all_dbs", null, RetryMode.Safe, cancellationToken).ConfigureAwait(false);
        return [.. names.EnumerateArray().Select(name => name.GetString()!)];
    }

    /// <summary>Creates the database unless it exists, and returns its handle.</summary>
    public async Task<CouchDatabase> EnsureDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            await _transport.SendJsonAsync(HttpMethod.Put, CouchDatabase.EscapeDatabaseName(name), null, RetryMode.Safe, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (CouchDbPreconditionFailedException)
        {
            // 412 file_exists: someone (maybe our own retried attempt) created it first.
        }

        return GetDatabase(name);
    }

    /// <summary>Deletes the database; false when it did not exist.</summary>
    public async Task<bool> DeleteDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            var dialect = await GetDialectAsync(cancellationToken).ConfigureAwait(false);
            if (!dialect.ReportsMissingDatabaseOnDelete)
            {
                await _transport.SendJsonAsync(HttpMethod.Get, CouchDatabase.EscapeDatabaseName(name), null, RetryMode.Safe, cancellationToken)
                    .ConfigureAwait(false);
            }

            await _transport.SendJsonAsync(HttpMethod.Delete, CouchDatabase.EscapeDatabaseName(name), null, RetryMode.ConnectOnly, cancellationToken)
                .ConfigureAwait(false);
            return true;
        }
        catch (CouchDbNotFoundException)
        {
            return false;
        }
    }

    /// <summary>A handle on a database (no call is made; use <see cref="EnsureDatabaseAsync"/> to create it).</summary>
    public CouchDatabase GetDatabase(string name) => new(_transport, name, GetDialectAsync);

    public void Dispose() => _transport.Dispose();

    internal static JsonElement? Optional(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined)
            ? value
            : null;
}

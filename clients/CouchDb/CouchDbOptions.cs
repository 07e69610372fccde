using System.Text.Json;

namespace HybridEhr.Clients.CouchDb;

/// <summary>Where the server is and how to talk to it.</summary>
public sealed class CouchDbOptions
{
    /// <summary>Server root, e.g. http://127.0.0.1:5984/. Credentials in the URI's user-info are used for basic auth.</summary>
    public required Uri ServerUri { get; init; }

    public string? Username { get; init; }

    public string? Password { get; init; }

    /// <summary>Per-request timeout for ordinary calls; feeds and streamed bodies are bounded by cancellation instead.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries after a transient failure (connection refused/reset, 408, 429, 502, 503, 504).</summary>
    public int MaxRetryAttempts { get; init; } = 3;

    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public int MaxConnectionsPerServer { get; init; } = 32;

    /// <summary>How typed documents are (de)serialised; map <c>_id</c>/<c>_rev</c> with [JsonPropertyName] as needed.</summary>
    public JsonSerializerOptions SerializerOptions { get; init; } = JsonSerializerOptions.Web;

    /// <summary>Builds options from a connection string: a plain URL, optionally with user:password@.</summary>
    public static CouchDbOptions FromConnectionString(string connectionString)
    {
        var uri = new Uri(connectionString.Trim(), UriKind.Absolute);
        string? user = null, password = null;
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var parts = uri.UserInfo.Split(':', 2);
            user = Uri.UnescapeDataString(parts[0]);
            password = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "";
        }

        var root = new UriBuilder(uri) { UserName = "", Password = "" }.Uri;
        return new CouchDbOptions { ServerUri = root, Username = user, Password = password };
    }
}

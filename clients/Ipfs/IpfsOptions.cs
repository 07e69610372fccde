namespace HybridEhr.Clients.Ipfs;

/// <summary>Where the RPC API is and how long to wait.</summary>
public sealed class IpfsOptions
{
    /// <summary>RPC API root, e.g. http://127.0.0.1:5001/ (the client appends api/v0/...).</summary>
    public required Uri ApiUri { get; init; }

    /// <summary>Bound on calls that do not fetch content (version, id, pin ls/rm).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Default bound on calls that may have to find content (cat, pin add, block stat).</summary>
    public TimeSpan ContentTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Retries after a transient failure (connection refused/reset, 502, 503, 504).</summary>
    public int MaxRetryAttempts { get; init; } = 2;

    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public int MaxConnectionsPerServer { get; init; } = 16;

    /// <summary>A connection string is the API URL (http://host:5001).</summary>
    public static IpfsOptions FromConnectionString(string connectionString) =>
        new() { ApiUri = new Uri(connectionString.Trim(), UriKind.Absolute) };
}

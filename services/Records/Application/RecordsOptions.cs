namespace HybridEhr.Records.Application;

/// <summary>Configuration section "Records".</summary>
public sealed class RecordsOptions
{
    /// <summary>
    /// How long a pending version (stored, not known to be anchored) is left alone before it is discarded as a write
    /// that never reached the chain. Longer than any submission can take, so a late commit is still completed.
    /// </summary>
    public TimeSpan PendingGracePeriod { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The CouchDB database holding record documents, used when ConnectionStrings:couchdb is set.</summary>
    public string CouchDbDatabase { get; set; } = "hybridehr-records";

    /// <summary>Where the store, share links, keys and outbox live (configuration "DataDirectory"; default .data/records).</summary>
    public static string DataDirectory(Microsoft.Extensions.Configuration.IConfiguration configuration) =>
        Path.GetFullPath(configuration["DataDirectory"] ?? Path.Combine(".data", "records"));
}

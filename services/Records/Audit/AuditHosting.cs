using HybridEhr.Messaging;
using HybridEhr.Records.Application;

namespace HybridEhr.Records.Audit;

public static class AuditHosting
{
    /// <summary>The audit trail of reads (audit/reads.journal) and the ids of the read events it already holds.</summary>
    public static WebApplicationBuilder AddAuditTrail(this WebApplicationBuilder builder)
    {
        var directory = Path.Combine(RecordsOptions.DataDirectory(builder.Configuration), "audit");
        Directory.CreateDirectory(directory);
        builder.Services.AddSingleton(new AuditTrail(Path.Combine(directory, "reads.journal")));
        builder.Services.AddSingleton(new ProcessedEventLog(Path.Combine(directory, "processed-events")));
        return builder;
    }
}

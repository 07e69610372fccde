using HybridEhr.Clients.Devnet;
using Microsoft.Extensions.Configuration;

namespace HybridEhr.Permissions;

/// <summary>Permissions' settings, read once at start-up (see <see cref="FromConfiguration"/> for the keys).</summary>
public sealed class PermissionsOptions
{
    /// <summary>Where the read-model journal and the chain checkpoint live ("DataDirectory", default .data/permissions).</summary>
    public string DataDirectory { get; init; } = Path.GetFullPath(Path.Combine(".data", "permissions"));

    /// <summary>Devnet chain name ("Permissions:Chain").</summary>
    public string Chain { get; init; } = DevAccounts.PermissionChain;

    /// <summary>Chain id signed into every transaction ("Permissions:ChainId").</summary>
    public string ChainId { get; init; } = DevAccounts.PermissionChainId;

    /// <summary>How often the read model checks it is caught up with the chain head ("Permissions:FreshnessProbeInterval").</summary>
    public TimeSpan FreshnessProbeInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often grants are checked for expiry, to notify ("Permissions:ExpiryCheckInterval").</summary>
    public TimeSpan ExpiryCheckInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long notifications stay replayable ("Permissions:NotificationRetention"); the proto promises 7 days.</summary>
    public TimeSpan NotificationRetention { get; init; } = TimeSpan.FromDays(7);

    /// <summary>The shortest expiring grant accepted ("Permissions:MinimumGrantLength", default one minute).</summary>
    public TimeSpan MinimumGrantLength { get; init; } = Domain.PermissionCommands.DefaultMinimumGrantLength;

    public string JournalPath => Path.Combine(DataDirectory, "read-model.journal");

    public string CheckpointPath => Path.Combine(DataDirectory, "chain.checkpoint");

    public string OutboxDirectory => Path.Combine(DataDirectory, "outbox");

    public static PermissionsOptions FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection("Permissions");
        var defaults = new PermissionsOptions();
        return new PermissionsOptions
        {
            DataDirectory = Path.GetFullPath(configuration["DataDirectory"] ?? defaults.DataDirectory),
            Chain = section["Chain"] ?? defaults.Chain,
            ChainId = section["ChainId"] ?? defaults.ChainId,
            FreshnessProbeInterval = section.GetValue("FreshnessProbeInterval", defaults.FreshnessProbeInterval),
            ExpiryCheckInterval = section.GetValue("ExpiryCheckInterval", defaults.ExpiryCheckInterval),
            NotificationRetention = section.GetValue("NotificationRetention", defaults.NotificationRetention),
            MinimumGrantLength = section.GetValue("MinimumGrantLength", defaults.MinimumGrantLength),
        };
    }
}

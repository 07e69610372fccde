using Microsoft.Extensions.Configuration;

namespace HybridEhr.ServiceDefaults;

/// <summary>
/// Which permission chain Identity and Permissions use ("PermissionChain:Mode"): the embedded devnet (default) or a
/// Substrate node with the ink! contract, configured under "PermissionChain:Substrate:" (docs/substrate.md). Both
/// services read the same keys, so they cannot disagree.
/// </summary>
public static class PermissionChainConfiguration
{
    public const string ModeKey = "PermissionChain:Mode";

    /// <summary>The prefix of the Substrate settings (NodeEndpoint, ContractAddress, MetadataPath, ...).</summary>
    public const string SubstratePrefix = "PermissionChain:Substrate:";

    /// <summary>True for "substrate", false for "devnet" or nothing (any case); anything else stops the start-up.</summary>
    public static bool IsSubstrate(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var mode = configuration[ModeKey]?.Trim();
        return mode?.ToUpperInvariant() switch
        {
            null or "" or "DEVNET" => false,
            "SUBSTRATE" => true,
            _ => throw new InvalidOperationException($"{ModeKey} is '{mode}': it must be 'devnet' (the default) or 'substrate'."),
        };
    }

    /// <summary>A setting under <see cref="SubstratePrefix"/>.</summary>
    public static string? SubstrateSetting(IConfiguration configuration, string key)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration[SubstratePrefix + key];
    }
}

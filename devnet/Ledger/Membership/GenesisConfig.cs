using System.Text.Json;
using System.Text.Json.Nodes;

namespace HybridEhr.Devnet.Ledger;

/// <summary>An organisation of a Fabric-like chain: its MSP id and the accounts of its administrators.</summary>
public sealed record OrganizationConfig(string MspId, IReadOnlyList<string> AdminAccountIds);

/// <summary>
/// What a chain starts with; written into block 0, so it is part of the hash chain and fixed for the chain's life.
/// </summary>
/// <param name="ChainId">Transactions must be signed for this id (no replay across chains).</param>
/// <param name="RequireEnrollment">True for a Fabric-like chain: only admins and enrolled members may transact.</param>
/// <param name="NetworkAdminAccountIds">Accounts that administer the network itself (role "network_admin", no organisation).</param>
public sealed record GenesisConfig(
    string ChainId, IReadOnlyList<OrganizationConfig> Organizations, bool RequireEnrollment = false,
    IReadOnlyList<string>? NetworkAdminAccountIds = null)
{
    public IReadOnlyList<string> NetworkAdmins => NetworkAdminAccountIds ?? [];

    public bool IsNetworkAdmin(string accountId) => NetworkAdmins.Contains(accountId, StringComparer.Ordinal);

    /// <summary>The organisation whose admin list holds <paramref name="accountId"/>, or null.</summary>
    public string? AdminOrganizationOf(string accountId) =>
        Organizations.FirstOrDefault(o => o.AdminAccountIds.Contains(accountId, StringComparer.Ordinal))?.MspId;

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ChainId))
        {
            throw new ArgumentException("The genesis configuration needs a chain id.");
        }
        var seenMsps = new HashSet<string>(StringComparer.Ordinal);
        var seenAdmins = new HashSet<string>(StringComparer.Ordinal);
        foreach (var admin in NetworkAdmins)
        {
            if (!AccountIds.TryParse(admin, out _) || !seenAdmins.Add(admin))
            {
                throw new ArgumentException($"Network admin '{admin}' is not an account id (0x + 64 lower-case hex digits) or is repeated.");
            }
        }
        foreach (var organization in Organizations)
        {
            if (string.IsNullOrWhiteSpace(organization.MspId) || !seenMsps.Add(organization.MspId))
            {
                throw new ArgumentException($"Organisation MSP id '{organization.MspId}' is empty or repeated.");
            }
            foreach (var admin in organization.AdminAccountIds)
            {
                if (!AccountIds.TryParse(admin, out _))
                {
                    throw new ArgumentException($"Admin '{admin}' of {organization.MspId} is not an account id (0x + 64 lower-case hex digits).");
                }
                if (!seenAdmins.Add(admin))
                {
                    throw new ArgumentException($"Admin {admin} is listed twice (organisations and network admins are disjoint).");
                }
            }
        }
    }

    /// <summary>A stable JSON form (fixed member order), the one stored in block 0.</summary>
    public string ToJson()
    {
        var organizations = new JsonArray();
        foreach (var organization in Organizations)
        {
            organizations.Add(new JsonObject
            {
                ["mspId"] = organization.MspId,
                ["admins"] = new JsonArray([.. organization.AdminAccountIds.Select(a => (JsonNode)JsonValue.Create(a))]),
            });
        }
        return new JsonObject
        {
            ["chainId"] = ChainId,
            ["requireEnrollment"] = RequireEnrollment,
            ["organizations"] = organizations,
            ["networkAdmins"] = new JsonArray([.. NetworkAdmins.Select(a => (JsonNode)JsonValue.Create(a))]),
        }.ToJsonString();
    }

    /// <exception cref="FormatException">Not a genesis configuration.</exception>
    public static GenesisConfig FromJson(string json)
    {
        try
        {
            var root = JsonNode.Parse(json)?.AsObject() ?? throw new FormatException("Empty genesis configuration.");
            var organizations = root["organizations"]?.AsArray().Select(o => new OrganizationConfig(
                o!["mspId"]!.GetValue<string>(),
                [.. o["admins"]!.AsArray().Select(a => a!.GetValue<string>())])).ToList() ?? [];
            var networkAdmins = root["networkAdmins"]?.AsArray().Select(a => a!.GetValue<string>()).ToList() ?? [];
            return new GenesisConfig(root["chainId"]!.GetValue<string>(), organizations, root["requireEnrollment"]?.GetValue<bool>() ?? false, networkAdmins);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NullReferenceException)
        {
            throw new FormatException($"Bad genesis configuration: {ex.Message}", ex);
        }
    }
}

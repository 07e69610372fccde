using System.Security.Cryptography;
using System.Text;
using HybridEhr.Devnet.Ledger;

namespace HybridEhr.Clients.Devnet;

/// <summary>
/// The devnet's well-known development accounts, like Substrate's //Alice: their keys derive from public names, so
/// they protect nothing and exist only so that a bare machine can run the whole system. A real deployment uses a
/// Fabric network's own identities and a Substrate node's own accounts instead.
/// </summary>
public static class DevAccounts
{
    /// <summary>Chain names the devnet host serves.</summary>
    public const string PermissionChain = "permission";
    public const string RecordsChain = "records";

    /// <summary>Chain ids signed into every transaction (a transaction for one chain is refused by the other).</summary>
    public const string PermissionChainId = "hybridehr-devnet-permission";
    public const string RecordsChainId = "hybridehr-devnet-records";

    /// <summary>The two hospitals of the paper's private chain, as Fabric MSP ids.</summary>
    public static readonly IReadOnlyList<string> Hospitals = ["HospitalAMSP", "HospitalBMSP"];

    /// <summary>Administers the records network (registers organisations).</summary>
    public static DevnetKey NetworkAdmin => Key("records/network-admin");

    /// <summary>Attests on the permission chain that a document belongs to an enrolled doctor.</summary>
    public static DevnetKey Registrar => Key("permission/registrar");

    /// <summary>A hospital's administrator on the records chain (enrols its doctors).</summary>
    public static DevnetKey HospitalAdmin(string mspId) => Key($"records/{mspId}/admin");

    public static DevnetKey Key(string name) =>
        DevnetKey.FromSeed(SHA256.HashData(Encoding.UTF8.GetBytes("hybridehr-devnet-development-account:" + name)));

    /// <summary>The records chain's genesis: both hospitals with their admins, enrolment required (Fabric-like).</summary>
    public static GenesisConfig RecordsGenesis() => new(
        RecordsChainId,
        [.. Hospitals.Select(msp => new OrganizationConfig(msp, [HospitalAdmin(msp).AccountId]))],
        RequireEnrollment: true,
        NetworkAdminAccountIds: [NetworkAdmin.AccountId]);

    /// <summary>The permission chain's genesis: any key is an account (Substrate-like).</summary>
    public static GenesisConfig PermissionGenesis() => new(PermissionChainId, [], RequireEnrollment: false);
}

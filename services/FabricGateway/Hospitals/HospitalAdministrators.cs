using HybridEhr.Clients.Devnet;
using Grpc.Core;

namespace HybridEhr.FabricGateway.Hospitals;

/// <summary>The hospitals this gateway serves and who signs their administration on the records chain.</summary>
public interface IHospitalAdministrators
{
    IReadOnlyList<string> Hospitals { get; }

    /// <summary>Registers organisations (role network_admin).</summary>
    ITransactionSigner NetworkAdmin { get; }

    /// <summary>Enrols the organisation's doctors (role org_admin); NOT_FOUND for an organisation not served here.</summary>
    ITransactionSigner AdminOf(string mspId);
}

/// <summary>The devnet's well-known development administrators of HospitalAMSP and HospitalBMSP.</summary>
public sealed class DevnetHospitalAdministrators : IHospitalAdministrators
{
    public IReadOnlyList<string> Hospitals => DevAccounts.Hospitals;

    public ITransactionSigner NetworkAdmin { get; } = new LocalSigner(DevAccounts.NetworkAdmin);

    public ITransactionSigner AdminOf(string mspId) =>
        Hospitals.Contains(mspId, StringComparer.Ordinal)
            ? new LocalSigner(DevAccounts.HospitalAdmin(mspId))
            : throw new RpcException(new Status(StatusCode.NotFound, $"Unknown organisation '{mspId}'. Known: {string.Join(", ", Hospitals)}."));
}

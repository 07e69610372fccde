using System.Text.Json.Nodes;
using HybridEhr.Clients.Devnet;
using HybridEhr.FabricGateway.Ledger;
using Grpc.Core;

namespace HybridEhr.FabricGateway.Hospitals;

/// <summary>
/// What the hospitals themselves do on the records chain, with their administrators' keys: register the
/// organisations, declare which documents belong to their doctors, and enrol doctors' chain accounts as members
/// (as a Fabric CA would issue them certificates). On the devnet these keys are the well-known development keys; on
/// Fabric they are identities from the hospitals' CAs (<see cref="Identities.FabricMembers"/>).
/// </summary>
public sealed class HospitalAdministration(IRecordsLedger ledger, IHospitalAdministrators administrators)
{
    public IReadOnlyList<string> Hospitals => administrators.Hospitals;

    /// <summary>Registers every hospital (already registered ones are fine), so the chain is usable after a fresh start.</summary>
    public async Task EnsureOrganizationsAsync(CancellationToken cancellationToken)
    {
        var networkAdmin = administrators.NetworkAdmin;
        foreach (var msp in Hospitals)
        {
            try
            {
                await ledger.SubmitAsync(networkAdmin, "register_organization", new JsonObject { ["organization"] = msp, ["name"] = msp }, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (RpcException ex) when (ex.Trailers.GetValue(ContractErrors.Trailer) == "ORGANIZATION_EXISTS")
            {
                // Registered on an earlier start.
            }
        }
    }

    public Task<CommittedTransaction> EnrollDoctorAsync(string msp, string documentIdHash, CancellationToken cancellationToken) =>
        ledger.SubmitAsync(administrators.AdminOf(msp), "enroll_doctor", new JsonObject { ["document_id_hash"] = documentIdHash }, cancellationToken);

    /// <summary>The organisation a document is enrolled in as a doctor, or null.</summary>
    public async Task<string?> FindDoctorAsync(string documentIdHash, CancellationToken cancellationToken)
    {
        // Any identity may ask (the query checks no role); on Fabric an account without a wallet identity reads as the gateway.
        var result = await ledger.EvaluateAsync(DevAccounts.NetworkAdmin.AccountId, "is_enrolled_doctor",
            new JsonObject { ["document_id_hash"] = documentIdHash }, cancellationToken).ConfigureAwait(false);
        return string.IsNullOrEmpty(result) ? null : JsonNode.Parse(result)?.GetValue<string>();
    }

    public Task<CommittedTransaction> EnrollMemberAsync(string msp, string account, string documentIdHash, CancellationToken cancellationToken) =>
        ledger.EnrollMemberAsync(administrators.AdminOf(msp), account,
            new Dictionary<string, string> { ["role"] = "doctor", ["document_id_hash"] = documentIdHash }, cancellationToken);
}

using System.Text.Json.Nodes;
using HybridEhr.Clients.Devnet;

namespace HybridEhr.FabricGateway.Ledger;

/// <summary>A committed (valid) transaction of the records chain.</summary>
public sealed record CommittedTransaction(string TxId, long BlockNumber, long BlockTimestamp, string ResultJson);

/// <summary>One contract event of the records chain.</summary>
public sealed record RecordsChainEvent(long BlockNumber, int TxIndex, string TxId, long BlockTimestamp, string Name, string PayloadJson);

/// <summary>
/// The private chain as FabricGateway uses it: the one place that talks to it. The devnet implements it today; a
/// Fabric Gateway client implements it on a real network. Failures are <see cref="Grpc.Core.RpcException"/>s whose
/// status already says what went wrong (see <see cref="ContractErrors"/>).
/// </summary>
public interface IRecordsLedger
{
    /// <summary>Endorses, orders and commits a transaction signed by <paramref name="signer"/>; returns once committed.</summary>
    Task<CommittedTransaction> SubmitAsync(ITransactionSigner signer, string function, JsonObject args, CancellationToken cancellationToken);

    /// <summary>Runs a read-only function as <paramref name="callerAccount"/>; returns its JSON result ("" for none).</summary>
    Task<string> EvaluateAsync(string callerAccount, string function, JsonObject args, CancellationToken cancellationToken);

    /// <summary>Enrols <paramref name="account"/> as a member of the signing admin's organisation with these attributes.</summary>
    Task<CommittedTransaction> EnrollMemberAsync(ITransactionSigner organizationAdmin, string account, IReadOnlyDictionary<string, string> attributes, CancellationToken cancellationToken);

    /// <summary>Contract events from <paramref name="fromBlock"/> on, then live ones.</summary>
    IAsyncEnumerable<RecordsChainEvent> WatchAsync(long fromBlock, CancellationToken cancellationToken);

    /// <summary>Whether the chain answers (health).</summary>
    Task<bool> IsReachableAsync(CancellationToken cancellationToken);
}

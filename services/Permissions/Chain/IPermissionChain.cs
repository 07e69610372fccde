using System.Text.Json.Nodes;
using HybridEhr.Clients.Devnet;
using HybridEhr.Permissions.Domain;

namespace HybridEhr.Permissions.Chain;

/// <summary>What a submitted access_control transaction came to.</summary>
/// <param name="ValidationCode">"VALID" or why the ledger refused it (CONTRACT_ERROR, MVCC_CONFLICT, ...).</param>
/// <param name="ErrorCode">The contract's code when <paramref name="ValidationCode"/> is CONTRACT_ERROR.</param>
public sealed record ChainSubmission(
    string TxId,
    string ValidationCode,
    string ErrorCode,
    string Message,
    long BlockHeight,
    long BlockTimestampMs,
    string ResultJson,
    IReadOnlyList<PermissionChainEvent> Events)
{
    public const string Valid = "VALID";
    public const string ContractError = "CONTRACT_ERROR";

    public bool IsValid => ValidationCode == Valid;

    public DateTimeOffset BlockTime => DateTimeOffset.FromUnixTimeMilliseconds(BlockTimestampMs);
}

public sealed record ChainQueryResult(string ValidationCode, string ErrorCode, string Message, string ResultJson)
{
    public bool IsValid => ValidationCode == ChainSubmission.Valid;
}

/// <summary>A transaction of a block, as far as the freshness check needs it.</summary>
public sealed record ChainTransactionSummary(string TxId, string Contract, string Function, string ValidationCode);

/// <summary>
/// The permission chain's access_control contract, seen by this service. Failures to reach the chain surface as
/// UNAVAILABLE; refused transactions are answers (see <see cref="ChainSubmission"/>), not exceptions.
/// </summary>
public interface IPermissionChain
{
    Task<ChainSubmission> SubmitAsync(ITransactionSigner signer, string function, JsonObject args, CancellationToken cancellationToken);

    Task<ChainQueryResult> QueryAsync(string callerAccount, string function, JsonObject args, CancellationToken cancellationToken);

    Task<long> GetHeightAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<ChainTransactionSummary>> GetBlockTransactionsAsync(long height, CancellationToken cancellationToken);
}

/// <summary>Gives the signer of the account on whose behalf the current call acts.</summary>
public interface ITransactionSignerFactory
{
    ITransactionSigner ForAccount(string accountId);
}

using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using HybridEhr.Clients.Devnet;
using HybridEhr.Contracts.Devnet.V1;
using Grpc.Core;

namespace HybridEhr.FabricGateway.Ledger;

/// <summary>The records chain of the devnet (embedded default).</summary>
public sealed class DevnetRecordsLedger(DevnetClient client) : IRecordsLedger
{
    public const string Contract = "records";
    private const string MembershipContract = "_membership";
    private readonly DevnetChain _chain = new(client, DevAccounts.RecordsChain, DevAccounts.RecordsChainId);

    public Task<CommittedTransaction> SubmitAsync(ITransactionSigner signer, string function, JsonObject args, CancellationToken cancellationToken) =>
        SubmitToAsync(Contract, signer, function, args, cancellationToken);

    public async Task<string> EvaluateAsync(string callerAccount, string function, JsonObject args, CancellationToken cancellationToken)
    {
        var response = await _chain.QueryAsync(callerAccount, Contract, function, args, cancellationToken).ConfigureAwait(false);
        if (response.ValidationCode != "VALID")
        {
            throw ContractErrors.ToException(Code(response.ValidationCode, response.ErrorCode), response.Message);
        }

        return response.ResultJson;
    }

    public Task<CommittedTransaction> EnrollMemberAsync(
        ITransactionSigner organizationAdmin, string account, IReadOnlyDictionary<string, string> attributes, CancellationToken cancellationToken)
    {
        var attributeObject = new JsonObject();
        foreach (var (key, value) in attributes)
        {
            attributeObject[key] = value;
        }

        return SubmitToAsync(MembershipContract, organizationAdmin, "enroll",
            new JsonObject { ["account"] = account, ["attributes"] = attributeObject }, cancellationToken);
    }

    public async IAsyncEnumerable<RecordsChainEvent> WatchAsync(long fromBlock, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var watch = client.WatchEvents(new WatchEventsRequest { Chain = DevAccounts.RecordsChain, FromBlock = Math.Max(1, fromBlock) },
            new CallOptions(cancellationToken: cancellationToken));
        await foreach (var e in watch.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (e.Contract == Contract)
            {
                yield return new RecordsChainEvent(e.BlockHeight, e.TxIndex, e.TxId, e.BlockTimestamp, e.Name, e.PayloadJson);
            }
        }
    }

    public async Task<bool> IsReachableAsync(CancellationToken cancellationToken)
    {
        try
        {
            await client.GetChainInfoAsync(new GetChainInfoRequest { Chain = DevAccounts.RecordsChain },
                new CallOptions(deadline: DateTime.UtcNow.Add(TimeSpan.FromSeconds(2)), cancellationToken: cancellationToken)).ResponseAsync.ConfigureAwait(false);
            return true;
        }
        catch (RpcException)
        {
            return false;
        }
    }

    private async Task<CommittedTransaction> SubmitToAsync(string contract, ITransactionSigner signer, string function, JsonObject args, CancellationToken cancellationToken)
    {
        SubmitResponse response;
        try
        {
            response = await _chain.SubmitAsync(signer, contract, function, args, cancellationToken).ConfigureAwait(false);
        }
        catch (SignatureRefusedException refused)
        {
            throw refused.Status;
        }

        if (response.ValidationCode != "VALID")
        {
            throw ContractErrors.ToException(Code(response.ValidationCode, response.ErrorCode), response.Message);
        }

        return new CommittedTransaction(response.TxId, response.BlockHeight, response.BlockTimestamp, response.ResultJson);
    }

    private static string Code(string validationCode, string errorCode) =>
        validationCode == "CONTRACT_ERROR" && errorCode.Length > 0 ? errorCode : validationCode;
}

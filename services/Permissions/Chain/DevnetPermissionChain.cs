using System.Text.Json.Nodes;
using HybridEhr.Clients.Devnet;
using HybridEhr.Contracts.Devnet.V1;
using Grpc.Core;
using HybridEhr.Permissions.Domain;
using HybridEhr.ServiceDefaults.Writes;

namespace HybridEhr.Permissions.Chain;

/// <summary>The permission chain on the devnet (configuration "services:devnet:grpc:0").</summary>
public sealed class DevnetPermissionChain(DevnetChain chain) : IPermissionChain
{
    public const string Contract = "access_control";

    public async Task<ChainSubmission> SubmitAsync(ITransactionSigner signer, string function, JsonObject args, CancellationToken cancellationToken)
    {
        SubmitResponse response;
        try
        {
            response = await chain.SubmitAsync(signer, Contract, function, args, cancellationToken).ConfigureAwait(false);
        }
        catch (SignatureRefusedException refused)
        {
            throw refused.Status;
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Only a refused connection proves the transaction was never sent; otherwise it may have committed.
            throw new RpcException(new Status(StatusCode.Unavailable,
                $"{WriteFailure.Explain(ex, "The permission chain", $"{function}: {ex.Status.StatusCode}")} Send the same request again to get its result."));
        }

        return new ChainSubmission(response.TxId, response.ValidationCode, response.ErrorCode, response.Message, response.BlockHeight,
            response.BlockTimestamp, response.ResultJson,
            [.. response.Events.Where(e => e.Contract == Contract).Select(ToDomain)]);
    }

    public async Task<ChainQueryResult> QueryAsync(string callerAccount, string function, JsonObject args, CancellationToken cancellationToken)
    {
        try
        {
            var response = await chain.QueryAsync(callerAccount, Contract, function, args, cancellationToken).ConfigureAwait(false);
            return new ChainQueryResult(response.ValidationCode, response.ErrorCode, response.Message, response.ResultJson);
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw Unreachable(ex);
        }
    }

    public async Task<long> GetHeightAsync(CancellationToken cancellationToken)
    {
        try
        {
            var info = await chain.Client.GetChainInfoAsync(new GetChainInfoRequest { Chain = chain.Chain },
                new CallOptions(cancellationToken: cancellationToken)).ResponseAsync.ConfigureAwait(false);
            return info.Height;
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw Unreachable(ex);
        }
    }

    public async Task<IReadOnlyList<ChainTransactionSummary>> GetBlockTransactionsAsync(long height, CancellationToken cancellationToken)
    {
        var block = await chain.Client.GetBlockAsync(new GetBlockRequest { Chain = chain.Chain, Height = height },
            new CallOptions(cancellationToken: cancellationToken)).ResponseAsync.ConfigureAwait(false);
        return [.. block.Transactions.Select(t => new ChainTransactionSummary(t.TxId, t.Contract, t.Function, t.ValidationCode))];
    }

    public static PermissionChainEvent ToDomain(ChainEvent e) =>
        new(e.BlockHeight, e.TxIndex, e.TxId, e.BlockTimestamp, e.Name, e.PayloadJson);

    private static RpcException Unreachable(RpcException ex) =>
        new(new Status(StatusCode.Unavailable, $"The permission chain cannot be reached right now ({ex.Status.StatusCode}); try again shortly."));
}

using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using HybridEhr.Contracts.Devnet.V1;
using HybridEhr.Devnet.Ledger;
using Grpc.Core;
using DevnetApi = HybridEhr.Contracts.Devnet.V1.Devnet;

namespace HybridEhr.Devnet.Host;

/// <summary>hybridehr.devnet.v1.Devnet: both chains over gRPC.</summary>
public sealed class DevnetService(DevnetChains chains) : DevnetApi.DevnetBase
{
    public override async Task<SubmitResponse> Submit(SubmitRequest request, ServerCallContext context)
    {
        var ledger = chains.Get(request.Chain);
        if (request.SignedTransaction.IsEmpty)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "signed_transaction is empty."));
        }

        TransactionOutcome outcome;
        try
        {
            outcome = await ledger.SubmitAsync(request.SignedTransaction.Memory, context.CancellationToken);
        }
        catch (ObjectDisposedException)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "The devnet is shutting down; retry against the restarted devnet."));
        }

        var response = new SubmitResponse
        {
            TxId = outcome.TxId,
            ValidationCode = outcome.CodeName,
            ErrorCode = outcome.ErrorCode ?? "",
            Message = outcome.Message ?? "",
            BlockHeight = Math.Max(0, outcome.BlockHeight),
            TxIndex = outcome.TxIndex,
            ResultJson = outcome.ResultJson ?? "",
        };
        if (outcome.BlockHeight > 0 && ledger.GetBlock(outcome.BlockHeight) is { } block)
        {
            response.BlockTimestamp = block.Timestamp;
        }

        response.Events.AddRange(outcome.Events.Select((e, index) => new ChainEvent
        {
            EventIndex = index,
            BlockHeight = response.BlockHeight,
            TxIndex = outcome.TxIndex,
            TxId = outcome.TxId,
            BlockTimestamp = response.BlockTimestamp,
            Contract = e.Contract,
            Name = e.Name,
            PayloadJson = e.PayloadJson,
        }));
        return response;
    }

    public override Task<QueryResponse> Query(QueryRequest request, ServerCallContext context)
    {
        var ledger = chains.Get(request.Chain);
        var args = ParseArgs(request.ArgsJson);
        if (!AccountIds.TryParse(request.CallerAccount, out _))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "caller_account must be 0x followed by 64 lower-case hex digits."));
        }

        var outcome = ledger.Query(request.Contract, request.Function, args, request.CallerAccount);
        if (outcome.Code == ValidationCode.UnknownContract)
        {
            throw new RpcException(new Status(StatusCode.NotFound, outcome.Message ?? $"No contract '{request.Contract}' on {request.Chain}."));
        }

        return Task.FromResult(new QueryResponse
        {
            ValidationCode = outcome.Code.ToWireName(),
            ErrorCode = outcome.ErrorCode ?? "",
            Message = outcome.Message ?? "",
            ResultJson = outcome.ResultJson ?? "",
        });
    }

    public override Task<GetAccountResponse> GetAccount(GetAccountRequest request, ServerCallContext context)
    {
        var ledger = chains.Get(request.Chain);
        if (!AccountIds.TryParse(request.Account, out _))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "account must be 0x followed by 64 lower-case hex digits."));
        }

        var identity = ledger.ResolveIdentity(request.Account);
        var response = new GetAccountResponse
        {
            Account = request.Account,
            NextNonce = ledger.NextNonce(request.Account),
            Organization = identity.Organization ?? "",
        };
        foreach (var (key, value) in identity.Attributes)
        {
            response.Attributes[key] = value;
        }

        return Task.FromResult(response);
    }

    public override Task<GetChainInfoResponse> GetChainInfo(GetChainInfoRequest request, ServerCallContext context)
    {
        var info = chains.Get(request.Chain).ChainInfo;
        return Task.FromResult(new GetChainInfoResponse
        {
            ChainId = info.ChainId,
            Height = info.Height,
            LastBlockHash = info.LastBlockHash,
            LastBlockTimestamp = info.LastBlockTimestamp,
            GenesisHash = info.GenesisHash,
            TransactionCount = info.TransactionCount,
        });
    }

    public override Task<GetBlockResponse> GetBlock(GetBlockRequest request, ServerCallContext context)
    {
        var block = chains.Get(request.Chain).GetBlock(request.Height)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"No block {request.Height} on {request.Chain}."));
        var response = new GetBlockResponse
        {
            Height = block.Height,
            Hash = block.HashHex,
            PreviousHash = block.PreviousHashHex,
            TransactionsHash = Convert.ToHexStringLower(block.TransactionsRoot),
            Timestamp = block.Timestamp,
        };
        response.Transactions.AddRange(block.Transactions.Select(Describe));
        return Task.FromResult(response);
    }

    public override Task<GetTransactionResponse> GetTransaction(GetTransactionRequest request, ServerCallContext context)
    {
        var committed = chains.Get(request.Chain).GetTransaction(request.TxId)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"No transaction {request.TxId} on {request.Chain}."));
        return Task.FromResult(new GetTransactionResponse
        {
            BlockHeight = committed.BlockHeight,
            TxIndex = committed.TxIndex,
            BlockTimestamp = committed.BlockTimestamp,
            BlockHash = committed.BlockHash,
            Transaction = Describe(committed.Record),
            ArgsJson = committed.Record.Transaction.ArgsJson,
        });
    }

    public override Task<GetHistoryResponse> GetHistory(GetHistoryRequest request, ServerCallContext context)
    {
        var response = new GetHistoryResponse();
        response.Modifications.AddRange(chains.Get(request.Chain).GetHistory(request.Contract, request.Key).Select(m => new HybridEhr.Contracts.Devnet.V1.KeyModification
        {
            TxId = m.TransactionId,
            BlockHeight = m.BlockHeight,
            Timestamp = m.Timestamp,
            Value = m.Value is null ? ByteString.Empty : ByteString.CopyFrom(m.Value),
            IsDelete = m.IsDelete,
        }));
        return Task.FromResult(response);
    }

    public override async Task WatchEvents(WatchEventsRequest request, IServerStreamWriter<ChainEvent> responses, ServerCallContext context)
    {
        var ledger = chains.Get(request.Chain);
        (long Block, int Tx) previous = (-1, -1);
        var eventIndex = 0;
        await foreach (var e in ledger.WatchEventsAsync(Math.Max(1, request.FromBlock), context.CancellationToken))
        {
            // The ledger yields a transaction's events together and in order: number them within it.
            eventIndex = (e.BlockHeight, e.TxIndex) == previous ? eventIndex + 1 : 0;
            previous = (e.BlockHeight, e.TxIndex);
            await responses.WriteAsync(new ChainEvent
            {
                EventIndex = eventIndex,
                BlockHeight = e.BlockHeight,
                TxIndex = e.TxIndex,
                TxId = e.TxId,
                BlockTimestamp = e.BlockTimestamp,
                Contract = e.Contract,
                Name = e.Name,
                PayloadJson = e.PayloadJson,
            }, context.CancellationToken);
        }
    }

    private static BlockTransaction Describe(TransactionRecord record) => new()
    {
        TxId = record.Transaction.TxId,
        SignerAccount = record.Transaction.SignerAccountId,
        Contract = record.Transaction.Contract,
        Function = record.Transaction.Function,
        ValidationCode = record.Code.ToWireName(),
        Nonce = record.Transaction.Nonce,
    };

    private static JsonObject ParseArgs(string json)
    {
        try
        {
            return JsonNode.Parse(json.Length == 0 ? "{}" : json) as JsonObject
                ?? throw new RpcException(new Status(StatusCode.InvalidArgument, "args_json must be a JSON object."));
        }
        catch (JsonException ex)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"args_json is not valid JSON: {ex.Message}"));
        }
    }
}

using HybridEhr.Contracts.Devnet.V1;
using HybridEhr.Grpc.Client;

namespace HybridEhr.Clients.Devnet;

/// <summary>Typed gRPC client of the devnet host (hybridehr.devnet.v1.Devnet).</summary>
public sealed class DevnetClient(GrpcChannel channel) : GrpcClient(channel)
{
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor Service = DevnetReflection.Descriptor.Services[0];
    private static readonly Method<SubmitRequest, SubmitResponse> SubmitMethod = Method<SubmitRequest, SubmitResponse>.Create(Service, "Submit");
    private static readonly Method<QueryRequest, QueryResponse> QueryMethod = Method<QueryRequest, QueryResponse>.Create(Service, "Query");
    private static readonly Method<GetAccountRequest, GetAccountResponse> GetAccountMethod = Method<GetAccountRequest, GetAccountResponse>.Create(Service, "GetAccount");
    private static readonly Method<GetChainInfoRequest, GetChainInfoResponse> GetChainInfoMethod = Method<GetChainInfoRequest, GetChainInfoResponse>.Create(Service, "GetChainInfo");
    private static readonly Method<GetBlockRequest, GetBlockResponse> GetBlockMethod = Method<GetBlockRequest, GetBlockResponse>.Create(Service, "GetBlock");
    private static readonly Method<GetTransactionRequest, GetTransactionResponse> GetTransactionMethod = Method<GetTransactionRequest, GetTransactionResponse>.Create(Service, "GetTransaction");
    private static readonly Method<GetHistoryRequest, GetHistoryResponse> GetHistoryMethod = Method<GetHistoryRequest, GetHistoryResponse>.Create(Service, "GetHistory");
    private static readonly Method<WatchEventsRequest, ChainEvent> WatchEventsMethod = Method<WatchEventsRequest, ChainEvent>.Create(Service, "WatchEvents");

    public AsyncUnaryCall<SubmitResponse> Submit(SubmitRequest request, CallOptions options = default) => Channel.Unary(SubmitMethod, request, options);

    public AsyncUnaryCall<QueryResponse> Query(QueryRequest request, CallOptions options = default) => Channel.Unary(QueryMethod, request, options);

    public AsyncUnaryCall<GetAccountResponse> GetAccount(GetAccountRequest request, CallOptions options = default) => Channel.Unary(GetAccountMethod, request, options);

    public AsyncUnaryCall<GetChainInfoResponse> GetChainInfo(GetChainInfoRequest request, CallOptions options = default) => Channel.Unary(GetChainInfoMethod, request, options);

    public AsyncUnaryCall<GetBlockResponse> GetBlock(GetBlockRequest request, CallOptions options = default) => Channel.Unary(GetBlockMethod, request, options);

    public AsyncUnaryCall<GetTransactionResponse> GetTransaction(GetTransactionRequest request, CallOptions options = default) => Channel.Unary(GetTransactionMethod, request, options);

    public AsyncUnaryCall<GetHistoryResponse> GetHistory(GetHistoryRequest request, CallOptions options = default) => Channel.Unary(GetHistoryMethod, request, options);

    public AsyncServerStreamingCall<ChainEvent> WatchEvents(WatchEventsRequest request, CallOptions options = default) => Channel.ServerStreaming(WatchEventsMethod, request, options);
}

using HybridEhr.Clients.Fabric.Protocol.Gateway;
using HybridEhr.Grpc;
using HybridEhr.Grpc.Client;

namespace HybridEhr.Clients.Fabric;

/// <summary>The five gateway.Gateway methods over our gRPC stack, each with its own deadline.</summary>
internal sealed class GatewayClient(GrpcChannel channel, GatewayTimeouts timeouts)
{
    private static readonly Method<EvaluateRequest, EvaluateResponse> EvaluateMethod = Create<EvaluateRequest, EvaluateResponse>("Evaluate");
    private static readonly Method<EndorseRequest, EndorseResponse> EndorseMethod = Create<EndorseRequest, EndorseResponse>("Endorse");
    private static readonly Method<SubmitRequest, SubmitResponse> SubmitMethod = Create<SubmitRequest, SubmitResponse>("Submit");
    private static readonly Method<SignedCommitStatusRequest, CommitStatusResponse> CommitStatusMethod =
        Create<SignedCommitStatusRequest, CommitStatusResponse>("CommitStatus");
    private static readonly Method<SignedChaincodeEventsRequest, ChaincodeEventsResponse> ChaincodeEventsMethod =
        Create<SignedChaincodeEventsRequest, ChaincodeEventsResponse>("ChaincodeEvents");

    public async Task<EvaluateResponse> EvaluateAsync(EvaluateRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await channel.Unary(EvaluateMethod, request, Options(timeouts.Evaluate, cancellationToken)).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException error)
        {
            throw new TransactionException("Evaluate", request.TransactionId, error, GatewayErrorDetails.Of(error));
        }
    }

    public async Task<EndorseResponse> EndorseAsync(EndorseRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await channel.Unary(EndorseMethod, request, Options(timeouts.Endorse, cancellationToken)).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException error)
        {
            throw new EndorseException(request.TransactionId, error, GatewayErrorDetails.Of(error));
        }
    }

    public async Task SubmitAsync(SubmitRequest request, CancellationToken cancellationToken)
    {
        try
        {
            await channel.Unary(SubmitMethod, request, Options(timeouts.Submit, cancellationToken)).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException error)
        {
            throw new SubmitException(request.TransactionId, error, GatewayErrorDetails.Of(error));
        }
    }

    public async Task<CommitStatusResponse> CommitStatusAsync(SignedCommitStatusRequest request, string transactionId, CancellationToken cancellationToken)
    {
        try
        {
            return await channel.Unary(CommitStatusMethod, request, Options(timeouts.CommitStatus, cancellationToken)).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException error)
        {
            throw new CommitStatusException(transactionId, error, GatewayErrorDetails.Of(error));
        }
    }

    /// <summary>The stream has no deadline: it lasts until the caller stops reading or cancels.</summary>
    public AsyncServerStreamingCall<ChaincodeEventsResponse> ChaincodeEvents(SignedChaincodeEventsRequest request, CancellationToken cancellationToken) =>
        channel.ServerStreaming(ChaincodeEventsMethod, request, new CallOptions { CancellationToken = cancellationToken });

    private static CallOptions Options(TimeSpan timeout, CancellationToken cancellationToken) =>
        CallOptions.WithTimeout(timeout, cancellationToken);

    private static Method<TRequest, TResponse> Create<TRequest, TResponse>(string name)
        where TRequest : class, Google.Protobuf.IMessage<TRequest>
        where TResponse : class, Google.Protobuf.IMessage<TResponse> =>
        Method<TRequest, TResponse>.Create(GatewayReflection.Descriptor.Services.Single(service => service.Name == "Gateway"), name);
}

/// <summary>Deadlines per gateway step; the defaults are those fabric-gateway's documentation recommends.</summary>
public sealed record GatewayTimeouts
{
    public TimeSpan Evaluate { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan Endorse { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan Submit { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan CommitStatus { get; init; } = TimeSpan.FromMinutes(1);
}

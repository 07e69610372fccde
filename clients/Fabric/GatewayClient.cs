using HybridEhr.Clients.Fabric.Protocol.Gateway;
using Grpc.Core;
using GatewayApi = HybridEhr.Clients.Fabric.Protocol.Gateway.Gateway;

namespace HybridEhr.Clients.Fabric;

/// <summary>The five gateway.Gateway methods (the generated client), each with its own deadline and its own exception.</summary>
internal sealed class GatewayClient(GatewayApi.GatewayClient gateway, GatewayTimeouts timeouts)
{
    public async Task<EvaluateResponse> EvaluateAsync(EvaluateRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await gateway.EvaluateAsync(request, Options(timeouts.Evaluate, cancellationToken)).ResponseAsync.ConfigureAwait(false);
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
            return await gateway.EndorseAsync(request, Options(timeouts.Endorse, cancellationToken)).ResponseAsync.ConfigureAwait(false);
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
            await gateway.SubmitAsync(request, Options(timeouts.Submit, cancellationToken)).ResponseAsync.ConfigureAwait(false);
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
            return await gateway.CommitStatusAsync(request, Options(timeouts.CommitStatus, cancellationToken)).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException error)
        {
            throw new CommitStatusException(transactionId, error, GatewayErrorDetails.Of(error));
        }
    }

    /// <summary>The stream has no deadline: it lasts until the caller stops reading or cancels.</summary>
    public AsyncServerStreamingCall<ChaincodeEventsResponse> ChaincodeEvents(SignedChaincodeEventsRequest request, CancellationToken cancellationToken) =>
        gateway.ChaincodeEvents(request, new CallOptions(cancellationToken: cancellationToken));

    private static CallOptions Options(TimeSpan timeout, CancellationToken cancellationToken) =>
        new CallOptions(deadline: DateTime.UtcNow.Add(timeout), cancellationToken: cancellationToken);

}

/// <summary>Deadlines per gateway step; the defaults are those fabric-gateway's documentation recommends.</summary>
public sealed record GatewayTimeouts
{
    public TimeSpan Evaluate { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan Endorse { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan Submit { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan CommitStatus { get; init; } = TimeSpan.FromMinutes(1);
}

using HybridEhr.Clients.Fabric.Protocol.Gateway;
using Grpc.Core;

namespace HybridEhr.Clients.Fabric;

/// <summary>One peer or orderer that failed behind a gateway error: its address, MSP id and message.</summary>
public sealed record EndpointErrorDetail(string Address, string MspId, string Message)
{
    public override string ToString() => $"{Address} ({MspId}): {Message}";
}

/// <summary>
/// A gateway call failed. Carries the gRPC status and, when the gateway sent them (google.rpc.Status in the
/// grpc-status-details-bin trailer), the message of each peer or orderer that failed.
/// </summary>
public class GatewayException : Exception
{
    public GatewayException(string operation, RpcException error, IReadOnlyList<EndpointErrorDetail> details)
        : base(Describe(operation, error.Status, details), error)
    {
        Operation = operation;
        StatusCode = error.StatusCode;
        Details = details;
    }

    /// <summary>Evaluate, Endorse, Submit, CommitStatus or ChaincodeEvents.</summary>
    public string Operation { get; }

    public StatusCode StatusCode { get; }

    public IReadOnlyList<EndpointErrorDetail> Details { get; }

    private static string Describe(string operation, Status status, IReadOnlyList<EndpointErrorDetail> details)
    {
        var text = $"{operation} failed: {status.StatusCode}: {status.Detail}";
        return details.Count == 0 ? text : text + " [" + string.Join("; ", details) + "]";
    }
}

/// <summary>A gateway call about one transaction failed; tells which transaction.</summary>
public class TransactionException(string operation, string transactionId, RpcException error, IReadOnlyList<EndpointErrorDetail> details)
    : GatewayException(operation, error, details)
{
    public string TransactionId { get; } = transactionId;
}

public sealed class EndorseException(string transactionId, RpcException error, IReadOnlyList<EndpointErrorDetail> details)
    : TransactionException("Endorse", transactionId, error, details);

public sealed class SubmitException(string transactionId, RpcException error, IReadOnlyList<EndpointErrorDetail> details)
    : TransactionException("Submit", transactionId, error, details);

public sealed class CommitStatusException(string transactionId, RpcException error, IReadOnlyList<EndpointErrorDetail> details)
    : TransactionException("CommitStatus", transactionId, error, details);

/// <summary>The transaction was ordered but the peers marked it invalid (e.g. MVCC_READ_CONFLICT).</summary>
public sealed class CommitException(CommitStatus status)
    : Exception($"Transaction {status.TransactionId} was committed in block {status.BlockNumber} as invalid: {status.Code}")
{
    public CommitStatus Status { get; } = status;
}

internal static class GatewayErrorDetails
{
    /// <summary>The trailer that carries a serialised google.rpc.Status with the details of a failure.</summary>
    private const string StatusDetailsTrailer = "grpc-status-details-bin";

    /// <summary>The per-peer details a failed gateway call carries in its grpc-status-details-bin trailer.</summary>
    public static IReadOnlyList<EndpointErrorDetail> Of(RpcException error) =>
        Decode(error.Trailers.GetValueBytes(StatusDetailsTrailer));

    /// <summary>ErrorDetail entries of a serialised google.rpc.Status; the message's older name was EndpointError.</summary>
    public static IReadOnlyList<EndpointErrorDetail> Decode(byte[]? bytes)
    {
        if (bytes is null)
        {
            return [];
        }

        try
        {
            var status = Google.Rpc.Status.Parser.ParseFrom(bytes);
            return [.. status.Details
                .Where(any => any.TypeUrl.EndsWith("/gateway.ErrorDetail", StringComparison.Ordinal)
                    || any.TypeUrl.EndsWith("/gateway.EndpointError", StringComparison.Ordinal))
                .Select(any => ErrorDetail.Parser.ParseFrom(any.Value))
                .Select(detail => new EndpointErrorDetail(detail.Address, detail.MspId, detail.Message))];
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            // A malformed trailer must not hide the call's own status.
            return [];
        }
    }
}

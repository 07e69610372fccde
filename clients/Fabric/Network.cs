using System.Runtime.CompilerServices;
using Google.Protobuf;
using HybridEhr.Clients.Fabric.Protocol.Gateway;
using Grpc.Core;
using Orderer;

namespace HybridEhr.Clients.Fabric;

/// <summary>One channel of the network, as seen through the gateway.</summary>
public sealed class Network
{
    private readonly Gateway _gateway;

    internal Network(Gateway gateway, string name)
    {
        _gateway = gateway;
        Name = name;
    }

    public string Name { get; }

    /// <summary>A chaincode on this channel; <paramref name="contractName"/> picks one of its contracts (null = default).</summary>
    public Contract GetContract(string chaincodeName, string? contractName = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(chaincodeName);
        return new Contract(_gateway, Name, chaincodeName, contractName);
    }

    /// <summary>
    /// The events of one chaincode, in block order, for as long as the caller reads (cancel to stop). With a checkpoint
    /// the stream resumes after the last event it recorded.
    /// </summary>
    public async IAsyncEnumerable<ChaincodeEvent> GetChaincodeEventsAsync(
        string chaincodeName, ChaincodeEventsOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = new ChaincodeEventsRequest
        {
            ChannelId = Name,
            ChaincodeId = chaincodeName,
            Identity = ByteString.CopyFrom(_gateway.Identity.Serialized),
            StartPosition = StartPositionOf(options),
        };
        var checkpoint = options?.Checkpoint;
        if (checkpoint?.BlockNumber is not null && checkpoint.TransactionId is { } afterTransaction)
        {
            request.AfterTransactionId = afterTransaction;
        }

        var (bytes, signature) = await _gateway.SignRequestAsync(request.ToByteArray(), cancellationToken).ConfigureAwait(false);
        var call = _gateway.Client.ChaincodeEvents(
            new SignedChaincodeEventsRequest { Request = ByteString.CopyFrom(bytes), Signature = ByteString.CopyFrom(signature) },
            cancellationToken);
        using var streamingCall = call;
        await using var responses = call.ResponseStream.ReadAllAsync(cancellationToken).GetAsyncEnumerator();
        while (await NextAsync(responses).ConfigureAwait(false))
        {
            var response = responses.Current;
            foreach (var chaincodeEvent in NotYetSeen(response, request.AfterTransactionId, checkpoint?.BlockNumber))
            {
                yield return new ChaincodeEvent(
                    response.BlockNumber, chaincodeEvent.TxId, chaincodeEvent.ChaincodeId, chaincodeEvent.EventName, chaincodeEvent.Payload.ToByteArray());
            }
        }
    }

    private static StartPosition StartPositionOf(ChaincodeEventsOptions? options) =>
        (options?.Checkpoint?.BlockNumber ?? options?.StartBlock) is { } block
            ? new StartPosition { Specified = new SeekSpecified { Number = block } }
            : new StartPosition { NextCommit = new SeekNextCommit() };

    /// <summary>
    /// Peers that predate after_transaction_id ignore it: in the checkpoint's block, drop the events up to and
    /// including the checkpointed transaction when it is there (when it is not, the gateway has filtered already).
    /// </summary>
    private static IEnumerable<Protos.ChaincodeEvent> NotYetSeen(ChaincodeEventsResponse response, string afterTransactionId, ulong? checkpointBlock)
    {
        if (afterTransactionId.Length == 0 || response.BlockNumber != checkpointBlock)
        {
            return response.Events;
        }

        var position = response.Events.ToList().FindIndex(e => e.TxId == afterTransactionId);
        return position < 0 ? response.Events : response.Events.Skip(position + 1);
    }

    private static async Task<bool> NextAsync(IAsyncEnumerator<ChaincodeEventsResponse> responses)
    {
        try
        {
            return await responses.MoveNextAsync().ConfigureAwait(false);
        }
        catch (RpcException error)
        {
            throw new GatewayException("ChaincodeEvents", error, GatewayErrorDetails.Of(error));
        }
    }
}

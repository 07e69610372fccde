using Google.Protobuf;
using HybridEhr.Clients.Fabric.Protocol.Gateway;
using FabricPayload = Common.Payload;
using FabricTransaction = Protos.Transaction;

namespace HybridEhr.Clients.Fabric;

/// <summary>
/// An endorsed transaction, ready to be signed and sent for ordering. Sign <see cref="Digest"/> elsewhere and rebuild
/// it with <see cref="Gateway.NewSignedTransaction"/> when the gateway has no signer.
/// </summary>
public sealed class Transaction
{
    private readonly GatewayClient _client;
    private readonly Gateway _gateway;
    private readonly PreparedTransaction _prepared;

    internal Transaction(GatewayClient client, Gateway gateway, string channel, PreparedTransaction prepared)
    {
        _client = client;
        _gateway = gateway;
        _prepared = prepared;
        ChannelName = channel;
    }

    public string TransactionId => _prepared.TransactionId;

    public string ChannelName { get; }

    /// <summary>What the transaction function returned when it was endorsed.</summary>
    public byte[] Result => ResultFromEnvelope(_prepared.Envelope);

    /// <summary>The serialised gateway.PreparedTransaction, for offline signing.</summary>
    public byte[] Bytes => _prepared.ToByteArray();

    /// <summary>SHA-256 of the envelope's payload: what must be signed.</summary>
    public byte[] Digest => Digests.Sha256(_prepared.Envelope.Payload.Span);

    public bool IsSigned => !_prepared.Envelope.Signature.IsEmpty;

    internal PreparedTransaction Message => _prepared;

    internal void SetSignature(byte[] signature) => _prepared.Envelope.Signature = ByteString.CopyFrom(signature);

    /// <summary>Sends the signed transaction to the orderers; returns without waiting for the commit.</summary>
    public async Task<SubmittedTransaction> SubmitAsync(CancellationToken cancellationToken = default)
    {
        await _gateway.SignIfNeededAsync(this, cancellationToken).ConfigureAwait(false);
        var request = new SubmitRequest { TransactionId = TransactionId, ChannelId = ChannelName, PreparedTransaction = _prepared.Envelope };
        await _client.SubmitAsync(request, cancellationToken).ConfigureAwait(false);
        return new SubmittedTransaction(_client, _gateway, ChannelName, TransactionId, Result);
    }

    /// <summary>The gateway protocol returns only the envelope; the chaincode response is its first action's ChaincodeAction.</summary>
    private static byte[] ResultFromEnvelope(Common.Envelope envelope)
    {
        var payload = FabricPayload.Parser.ParseFrom(envelope.Payload);
        var transaction = FabricTransaction.Parser.ParseFrom(payload.Data);
        if (transaction.Actions.Count == 0)
        {
            return [];
        }

        var actionPayload = Protos.ChaincodeActionPayload.Parser.ParseFrom(transaction.Actions[0].Payload);
        var responsePayload = Protos.ProposalResponsePayload.Parser.ParseFrom(actionPayload.Action.ProposalResponsePayload);
        var chaincodeAction = Protos.ChaincodeAction.Parser.ParseFrom(responsePayload.Extension);
        return chaincodeAction.Response?.Payload.ToByteArray() ?? [];
    }
}

/// <summary>A transaction the orderers accepted; ask for its commit status to learn whether it is valid.</summary>
public sealed class SubmittedTransaction
{
    private readonly GatewayClient _client;
    private readonly Gateway _gateway;

    internal SubmittedTransaction(GatewayClient client, Gateway gateway, string channel, string transactionId, byte[] result)
    {
        _client = client;
        _gateway = gateway;
        ChannelName = channel;
        TransactionId = transactionId;
        Result = result;
    }

    public string ChannelName { get; }

    public string TransactionId { get; }

    public byte[] Result { get; }

    /// <summary>Waits until the transaction is in a block and returns its validation code.</summary>
    public async Task<CommitStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var request = new CommitStatusRequest
        {
            TransactionId = TransactionId,
            ChannelId = ChannelName,
            Identity = ByteString.CopyFrom(_gateway.Identity.Serialized),
        };
        var signed = await _gateway.SignRequestAsync(request.ToByteArray(), cancellationToken).ConfigureAwait(false);
        var response = await _client.CommitStatusAsync(
            new SignedCommitStatusRequest { Request = ByteString.CopyFrom(signed.Request), Signature = ByteString.CopyFrom(signed.Signature) },
            TransactionId,
            cancellationToken).ConfigureAwait(false);
        return new CommitStatus(TransactionId, response.Result, response.BlockNumber);
    }
}

/// <summary>How the peers validated a committed transaction.</summary>
public sealed record CommitStatus(string TransactionId, Protos.TxValidationCode Code, ulong BlockNumber)
{
    public bool IsSuccessful => Code == Protos.TxValidationCode.Valid;
}

using Google.Protobuf;
using HybridEhr.Clients.Fabric.Protocol.Gateway;

namespace HybridEhr.Clients.Fabric;

/// <summary>
/// A transaction proposal. Signed by the gateway's signer when it has one; otherwise sign <see cref="Digest"/>
/// elsewhere and rebuild it with <see cref="Gateway.NewSignedProposal"/>. Evaluate it (query) or endorse it (submit).
/// </summary>
public sealed class Proposal
{
    private readonly GatewayClient _client;
    private readonly Gateway _gateway;
    private readonly ProposedTransaction _proposed;

    internal Proposal(GatewayClient client, Gateway gateway, string channel, ProposedTransaction proposed)
    {
        _client = client;
        _gateway = gateway;
        _proposed = proposed;
        ChannelName = channel;
    }

    public string TransactionId => _proposed.TransactionId;

    public string ChannelName { get; }

    /// <summary>The serialised gateway.ProposedTransaction: what an offline signer stores or sends.</summary>
    public byte[] Bytes => _proposed.ToByteArray();

    /// <summary>SHA-256 of the proposal bytes: what must be signed.</summary>
    public byte[] Digest => Digests.Sha256(_proposed.Proposal.ProposalBytes.Span);

    public bool IsSigned => !_proposed.Proposal.Signature.IsEmpty;

    internal ProposedTransaction Message => _proposed;

    internal void SetSignature(byte[] signature) => _proposed.Proposal.Signature = ByteString.CopyFrom(signature);

    /// <summary>Runs the transaction function on one peer without ordering it; returns its result bytes.</summary>
    public async Task<byte[]> EvaluateAsync(CancellationToken cancellationToken = default)
    {
        await _gateway.SignIfNeededAsync(this, cancellationToken).ConfigureAwait(false);
        var request = new EvaluateRequest
        {
            TransactionId = TransactionId,
            ChannelId = ChannelName,
            ProposedTransaction = _proposed.Proposal,
        };
        request.TargetOrganizations.AddRange(_proposed.EndorsingOrganizations);
        var response = await _client.EvaluateAsync(request, cancellationToken).ConfigureAwait(false);
        return response.Result?.Payload.ToByteArray() ?? [];
    }

    /// <summary>Collects enough endorsements; returns the transaction to sign and submit.</summary>
    public async Task<Transaction> EndorseAsync(CancellationToken cancellationToken = default)
    {
        await _gateway.SignIfNeededAsync(this, cancellationToken).ConfigureAwait(false);
        var request = new EndorseRequest
        {
            TransactionId = TransactionId,
            ChannelId = ChannelName,
            ProposedTransaction = _proposed.Proposal,
        };
        request.EndorsingOrganizations.AddRange(_proposed.EndorsingOrganizations);
        var response = await _client.EndorseAsync(request, cancellationToken).ConfigureAwait(false);
        var prepared = new PreparedTransaction
        {
            TransactionId = TransactionId,
            Envelope = response.PreparedTransaction,
        };
        return new Transaction(_client, _gateway, ChannelName, prepared);
    }
}

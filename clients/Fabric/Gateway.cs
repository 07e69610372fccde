using HybridEhr.Clients.Fabric.Protocol.Gateway;
using Grpc.Core;
using GatewayApi = HybridEhr.Clients.Fabric.Protocol.Gateway.Gateway;

namespace HybridEhr.Clients.Fabric;

/// <summary>How to reach a gateway peer and as whom.</summary>
public sealed record GatewayOptions
{
    /// <summary>
    /// A channel to the peer's gateway endpoint. Make it with <see cref="FabricChannels"/>: TLS settings, and only its
    /// channels capture the per-peer error details gateways send.
    /// </summary>
    public required ChannelBase Channel { get; init; }

    public required Identity Identity { get; init; }

    /// <summary>Signs proposals, transactions and requests; null = the caller signs digests elsewhere.</summary>
    public ISigner? Signer { get; init; }

    public GatewayTimeouts Timeouts { get; init; } = new();

    /// <summary>The clock of proposal timestamps (peers refuse proposals far from their own time).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>
/// A connection to one Fabric Gateway peer as one identity. Gateway → <see cref="Network"/> (channel) →
/// <see cref="Contract"/> (chaincode). The gRPC channel belongs to the caller, who disposes of it.
/// </summary>
public sealed class Gateway
{
    private readonly GatewayClient _client;
    private readonly ISigner? _signer;

    private Gateway(GatewayOptions options)
    {
        _client = new GatewayClient(new GatewayApi.GatewayClient(options.Channel), options.Timeouts);
        _signer = options.Signer;
        Identity = options.Identity;
        Time = options.Time;
    }

    public Identity Identity { get; }

    internal TimeProvider Time { get; }

    internal GatewayClient Client => _client;

    public static Gateway Connect(GatewayOptions options) => new(options);

    public Network GetNetwork(string channelName)
    {
        ArgumentException.ThrowIfNullOrEmpty(channelName);
        return new Network(this, channelName);
    }

    /// <summary>Rebuilds a proposal from its <see cref="Proposal.Bytes"/> (e.g. to hand its digest to a signer).</summary>
    public Proposal NewProposal(byte[] proposalBytes)
    {
        var proposed = ProposedTransaction.Parser.ParseFrom(proposalBytes);
        var proposal = Protos.Proposal.Parser.ParseFrom(proposed.Proposal.ProposalBytes);
        var header = Common.Header.Parser.ParseFrom(proposal.Header);
        return new Proposal(_client, this, ChannelOf(header), proposed);
    }

    /// <summary>Rebuilds a proposal from its <see cref="Proposal.Bytes"/> and a signature of its digest made elsewhere.</summary>
    public Proposal NewSignedProposal(byte[] proposalBytes, byte[] signature)
    {
        var result = NewProposal(proposalBytes);
        result.SetSignature(signature);
        return result;
    }

    /// <summary>Rebuilds an endorsed transaction from its <see cref="Transaction.Bytes"/>.</summary>
    public Transaction NewTransaction(byte[] transactionBytes)
    {
        var prepared = PreparedTransaction.Parser.ParseFrom(transactionBytes);
        var payload = Common.Payload.Parser.ParseFrom(prepared.Envelope.Payload);
        return new Transaction(_client, this, ChannelOf(payload.Header), prepared);
    }

    /// <summary>Rebuilds an endorsed transaction from its <see cref="Transaction.Bytes"/> and a signature made elsewhere.</summary>
    public Transaction NewSignedTransaction(byte[] transactionBytes, byte[] signature)
    {
        var result = NewTransaction(transactionBytes);
        result.SetSignature(signature);
        return result;
    }

    private static string ChannelOf(Common.Header header) => Common.ChannelHeader.Parser.ParseFrom(header.ChannelHeader).ChannelId;

    internal async Task SignIfNeededAsync(Proposal proposal, CancellationToken cancellationToken)
    {
        if (!proposal.IsSigned)
        {
            proposal.SetSignature(await SignAsync(proposal.Digest, cancellationToken).ConfigureAwait(false));
        }
    }

    internal async Task SignIfNeededAsync(Transaction transaction, CancellationToken cancellationToken)
    {
        if (!transaction.IsSigned)
        {
            transaction.SetSignature(await SignAsync(transaction.Digest, cancellationToken).ConfigureAwait(false));
        }
    }

    /// <summary>Signs a serialised request (commit status, chaincode events) the gateway authenticates.</summary>
    internal async Task<(byte[] Request, byte[] Signature)> SignRequestAsync(byte[] request, CancellationToken cancellationToken) =>
        (request, await SignAsync(Digests.Sha256(request), cancellationToken).ConfigureAwait(false));

    private ValueTask<byte[]> SignAsync(byte[] digest, CancellationToken cancellationToken) =>
        _signer?.SignAsync(digest, cancellationToken)
        ?? throw new InvalidOperationException(
            "This gateway has no signer: sign the Digest elsewhere and use NewSignedProposal / NewSignedTransaction.");
}

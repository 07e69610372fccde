using Common;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using HybridEhr.Clients.Fabric.Protocol.Gateway;
using Protos;

namespace HybridEhr.Clients.Fabric;

/// <summary>What to call: the transaction's arguments, private (transient) data and, optionally, who must endorse.</summary>
public sealed record ProposalOptions
{
    public IReadOnlyList<byte[]> Arguments { get; init; } = [];

    /// <summary>Passed to the chaincode but kept out of the transaction that is ordered and stored.</summary>
    public IReadOnlyDictionary<string, byte[]> TransientData { get; init; } = new Dictionary<string, byte[]>();

    /// <summary>MSP ids of the organisations that must endorse (e.g. for private data); empty = the gateway's plan.</summary>
    public IReadOnlyList<string> EndorsingOrganizations { get; init; } = [];

    public static ProposalOptions WithArguments(params string[] arguments) =>
        new() { Arguments = [.. arguments.Select(System.Text.Encoding.UTF8.GetBytes)] };
}

/// <summary>
/// Builds the unsigned proposal: Header { ChannelHeader (ENDORSER_TRANSACTION, tx id, time, channel, chaincode
/// extension), SignatureHeader (creator, nonce) } and ChaincodeProposalPayload { invocation spec, transient map }.
/// </summary>
internal static class ProposalBuilder
{
    public static ProposedTransaction Build(
        TransactionContext context, string channel, string chaincode, string transactionName, ProposalOptions options, DateTimeOffset now)
    {
        var chaincodeId = new ChaincodeID { Name = chaincode };
        var channelHeader = new ChannelHeader
        {
            Type = (int)HeaderType.EndorserTransaction,
            TxId = context.TransactionId,
            Timestamp = Timestamp.FromDateTimeOffset(now),
            ChannelId = channel,
            Extension = new ChaincodeHeaderExtension { ChaincodeId = chaincodeId }.ToByteString(),
            Epoch = 0,
        };
        var header = new Header
        {
            ChannelHeader = channelHeader.ToByteString(),
            SignatureHeader = context.SignatureHeader.ToByteString(),
        };

        var input = new ChaincodeInput();
        input.Args.Add(ByteString.CopyFromUtf8(transactionName));
        input.Args.AddRange(options.Arguments.Select(ByteString.CopyFrom));
        var invocation = new ChaincodeInvocationSpec
        {
            ChaincodeSpec = new ChaincodeSpec { Type = ChaincodeSpec.Types.Type.Node, ChaincodeId = chaincodeId, Input = input },
        };
        var payload = new ChaincodeProposalPayload { Input = invocation.ToByteString() };
        foreach (var (key, value) in options.TransientData)
        {
            payload.TransientMap.Add(key, ByteString.CopyFrom(value));
        }

        var proposal = new Protos.Proposal { Header = header.ToByteString(), Payload = payload.ToByteString() };
        var proposed = new ProposedTransaction
        {
            TransactionId = context.TransactionId,
            Proposal = new SignedProposal { ProposalBytes = proposal.ToByteString() },
        };
        proposed.EndorsingOrganizations.AddRange(options.EndorsingOrganizations);
        return proposed;
    }
}

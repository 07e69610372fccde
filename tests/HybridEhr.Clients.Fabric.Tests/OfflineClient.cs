using System.Text;
using Google.Protobuf;
using HybridEhr.Clients.Fabric.Protocol.Gateway;
using Grpc.Core;
using Grpc.Net.Client;

namespace HybridEhr.Clients.Fabric.Tests;

/// <summary>One call of the records chaincode, built and signed offline by our client (no peer is contacted).</summary>
public sealed class OfflineClient : IDisposable
{
    public const string Channel = "ehr-channel";
    public const string Chaincode = "records";
    public const string ContractName = "records";
    public const string Function = "create_record";
    public const string ArgumentJson = """{"record_id":"ehr-1","patient":"0x00","plaintext_hash":"aa","ciphertext_hash":"bb"}""";

    public static readonly IReadOnlyDictionary<string, byte[]> Transient = new Dictionary<string, byte[]>
    {
        ["document_key"] = [1, 2, 3, 250],
        ["note"] = Encoding.UTF8.GetBytes("private"),
    };

    public static readonly string[] EndorsingOrganizations = ["HospitalAMSP", "HospitalBMSP"];

    private readonly GrpcChannel _unusedChannel = GrpcChannel.ForAddress("http://127.0.0.1:9");

    public OfflineClient(TestCredentials credentials)
    {
        Credentials = credentials;
        Signer = new EcdsaSigner(credentials.Key);
        Gateway = Gateway.Connect(new GatewayOptions { Channel = _unusedChannel, Identity = credentials.Identity });
    }

    public TestCredentials Credentials { get; }

    public EcdsaSigner Signer { get; }

    /// <summary>Without a signer: every signature is made here, as by a caller that signs elsewhere.</summary>
    public Gateway Gateway { get; }

    public Proposal NewSignedProposal()
    {
        var unsigned = Gateway.GetNetwork(Channel).GetContract(Chaincode, ContractName).NewProposal(Function, new ProposalOptions
        {
            Arguments = [Encoding.UTF8.GetBytes(ArgumentJson)],
            TransientData = Transient,
            EndorsingOrganizations = EndorsingOrganizations,
        });
        return Gateway.NewSignedProposal(unsigned.Bytes, Signer.Sign(unsigned.Digest));
    }

    /// <summary>The prepared transaction a gateway would return from Endorse for <paramref name="proposal"/>.</summary>
    public static PreparedTransaction PreparedFor(Proposal proposal, string result)
    {
        var proposed = ProposedTransaction.Parser.ParseFrom(proposal.Bytes);
        var (envelope, _) = FakeEnvelopes.Endorsed(proposed.Proposal, result);
        return new PreparedTransaction { TransactionId = proposal.TransactionId, Envelope = envelope };
    }

    public void Dispose() => _unusedChannel.Dispose();
}

/// <summary>What endorsing peers produce: an unsigned envelope around the proposal's header and one action.</summary>
public static class FakeEnvelopes
{
    public static (Common.Envelope Envelope, Protos.Response Response) Endorsed(Protos.SignedProposal signedProposal, string result)
    {
        var fabricProposal = Protos.Proposal.Parser.ParseFrom(signedProposal.ProposalBytes);
        var header = Common.Header.Parser.ParseFrom(fabricProposal.Header);
        var response = new Protos.Response { Status = 200, Payload = ByteString.CopyFromUtf8(result) };
        var responsePayload = new Protos.ProposalResponsePayload
        {
            ProposalHash = ByteString.CopyFrom(Digests.Sha256(signedProposal.ProposalBytes.Span)),
            Extension = new Protos.ChaincodeAction { Response = response }.ToByteString(),
        };
        var actionPayload = new Protos.ChaincodeActionPayload
        {
            ChaincodeProposalPayload = fabricProposal.Payload,
            Action = new Protos.ChaincodeEndorsedAction { ProposalResponsePayload = responsePayload.ToByteString() },
        };
        var transaction = new Protos.Transaction();
        transaction.Actions.Add(new Protos.TransactionAction { Header = header.SignatureHeader, Payload = actionPayload.ToByteString() });
        var payload = new Common.Payload { Header = header, Data = transaction.ToByteString() };
        return (new Common.Envelope { Payload = payload.ToByteString() }, response);
    }
}

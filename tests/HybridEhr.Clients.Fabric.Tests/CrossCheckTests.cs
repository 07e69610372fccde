using System.Security.Cryptography;
using System.Text;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Google.Protobuf;
using HybridEhr.Clients.Fabric.Protocol.Gateway;
using Xunit;

namespace HybridEhr.Clients.Fabric.Tests;

/// <summary>Our messages decoded by the official Node protos, and the official client's proposal decoded by ours.</summary>
public sealed class CrossCheckTests : IDisposable
{
    private static readonly Dictionary<string, string> DoctorAttributes = new()
    {
        ["role"] = "doctor",
        ["document_id_hash"] = Convert.ToHexStringLower(SHA256.HashData("doc-smith"u8)),
    };

    private readonly TestCredentials _credentials = TestCredentials.Create("drsmith", "HospitalAMSP", DoctorAttributes);
    private readonly OfflineClient _client;

    public CrossCheckTests() => _client = new OfflineClient(_credentials);

    [Fact]
    public void OurProposalDecodesWithTheOfficialProtosIntoTheExpectedFields()
    {
        var proposal = _client.NewSignedProposal();

        var decoded = NodeCrossCheck.Run("decode-proposal", new { proposedTransaction = Convert.ToBase64String(proposal.Bytes) });

        Assert.Equal(proposal.TransactionId, Text(decoded, "transactionId"));
        var header = decoded["header"]!.AsObject();
        Assert.Equal(3, (int)header["type"]!); // ENDORSER_TRANSACTION
        Assert.Equal(proposal.TransactionId, Text(header, "transactionId"));
        Assert.Equal(proposal.TransactionId, Text(header, "computedTransactionId"));
        Assert.Equal(OfflineClient.Channel, Text(header, "channel"));
        Assert.Equal(0, (int)header["epoch"]!);
        Assert.InRange((long)header["timestampSeconds"]!, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5);
        Assert.Equal(OfflineClient.Chaincode, Text(header, "chaincodeInExtension"));
        Assert.Equal(_credentials.MspId, Text(header, "creatorMspId"));
        Assert.Equal(_credentials.CertificatePem, Text(header, "creatorCertificatePem"));
        Assert.Equal(24, (int)header["nonceLength"]!);
        Assert.Equal(2, (int)decoded["chaincodeSpecType"]!); // NODE
        Assert.Equal(OfflineClient.Chaincode, Text(decoded, "chaincode"));
        Assert.Equal(["records:create_record", OfflineClient.ArgumentJson], Strings(decoded["arguments"]));
        Assert.Equal(OfflineClient.EndorsingOrganizations, Strings(decoded["endorsingOrganizations"]));
        var transient = decoded["transient"]!.AsObject();
        Assert.Equal(OfflineClient.Transient.Count, transient.Count);
        foreach (var (key, value) in OfflineClient.Transient)
        {
            Assert.Equal(Convert.ToBase64String(value), Text(transient, key));
        }

        Assert.True((bool)decoded["signature"]!["verifies"]!, "the official side verifies our signature with the certificate");
        Assert.True((bool)decoded["signature"]!["lowS"]!, "our signature has a low S");
        Assert.Equal(Convert.ToBase64String(proposal.Digest), Text(decoded, "digest"));
    }

    [Fact]
    public void OurSignedTransactionDecodesWithTheOfficialProtos()
    {
        var proposal = _client.NewSignedProposal();
        var prepared = OfflineClient.PreparedFor(proposal, """{"version":1}""");
        var unsigned = _client.Gateway.NewTransaction(prepared.ToByteArray());
        var signed = _client.Gateway.NewSignedTransaction(unsigned.Bytes, _client.Signer.Sign(unsigned.Digest));

        var decoded = NodeCrossCheck.Run("decode-transaction", new { preparedTransaction = Convert.ToBase64String(signed.Bytes) });

        Assert.Equal(proposal.TransactionId, Text(decoded, "transactionId"));
        var header = decoded["header"]!.AsObject();
        Assert.Equal(3, (int)header["type"]!);
        Assert.Equal(proposal.TransactionId, Text(header, "computedTransactionId"));
        Assert.Equal(OfflineClient.Channel, Text(header, "channel"));
        Assert.Equal(_credentials.MspId, Text(header, "creatorMspId"));
        Assert.Equal("""{"version":1}""", Text(decoded, "resultInEnvelope"));
        Assert.True((bool)decoded["signature"]!["verifies"]!, "the official side verifies our envelope signature");
        Assert.True((bool)decoded["signature"]!["lowS"]!);
        Assert.Equal("""{"version":1}""", Encoding.UTF8.GetString(signed.Result));
        Assert.Equal(OfflineClient.Channel, signed.ChannelName);
    }

    [Fact]
    public void TheOfficialClientsProposalDecodesWithOurs()
    {
        var built = NodeCrossCheck.Run("build-proposal", new
        {
            mspId = _credentials.MspId,
            certificatePem = _credentials.CertificatePem,
            privateKeyPem = _credentials.PrivateKeyPem,
            channel = OfflineClient.Channel,
            chaincode = OfflineClient.Chaincode,
            contract = OfflineClient.ContractName,
            transaction = OfflineClient.Function,
            arguments = new[] { OfflineClient.ArgumentJson },
            transient = OfflineClient.Transient.ToDictionary(pair => pair.Key, pair => Convert.ToBase64String(pair.Value)),
            endorsingOrganizations = OfflineClient.EndorsingOrganizations,
        });
        var bytes = Convert.FromBase64String(Text(built, "proposedTransaction"));

        var proposed = ProposedTransaction.Parser.ParseFrom(bytes);
        var proposalBytes = proposed.Proposal.ProposalBytes;
        var proposal = Protos.Proposal.Parser.ParseFrom(proposalBytes);
        var header = Common.Header.Parser.ParseFrom(proposal.Header);
        var channelHeader = Common.ChannelHeader.Parser.ParseFrom(header.ChannelHeader);
        var signatureHeader = Common.SignatureHeader.Parser.ParseFrom(header.SignatureHeader);
        var creator = Msp.SerializedIdentity.Parser.ParseFrom(signatureHeader.Creator);
        var extension = Protos.ChaincodeHeaderExtension.Parser.ParseFrom(channelHeader.Extension);
        var payload = Protos.ChaincodeProposalPayload.Parser.ParseFrom(proposal.Payload);
        var spec = Protos.ChaincodeInvocationSpec.Parser.ParseFrom(payload.Input).ChaincodeSpec;

        var transactionId = Text(built, "transactionId");
        Assert.Equal(transactionId, proposed.TransactionId);
        Assert.Equal(transactionId, channelHeader.TxId);
        Assert.Equal(transactionId, TransactionContext.ComputeTransactionId(signatureHeader.Nonce.ToByteArray(), signatureHeader.Creator.ToByteArray()));
        Assert.Equal((int)Common.HeaderType.EndorserTransaction, channelHeader.Type);
        Assert.Equal(OfflineClient.Channel, channelHeader.ChannelId);
        Assert.Equal(OfflineClient.Chaincode, extension.ChaincodeId.Name);
        Assert.Equal(_credentials.MspId, creator.Mspid);
        Assert.Equal(_credentials.Identity.Serialized, signatureHeader.Creator.ToByteArray());
        Assert.Equal(Protos.ChaincodeSpec.Types.Type.Node, spec.Type);
        Assert.Equal(OfflineClient.Chaincode, spec.ChaincodeId.Name);
        Assert.Equal(["records:create_record", OfflineClient.ArgumentJson], spec.Input.Args.Select(arg => arg.ToStringUtf8()));
        Assert.Equal(OfflineClient.Transient.Keys.Order(), payload.TransientMap.Keys.Order());
        foreach (var (key, value) in OfflineClient.Transient)
        {
            Assert.Equal(value, payload.TransientMap[key].ToByteArray());
        }

        Assert.Equal(OfflineClient.EndorsingOrganizations, proposed.EndorsingOrganizations);
        using var publicKey = _credentials.Certificate.GetECDsaPublicKey()!;
        Assert.True(publicKey.VerifyData(
            proposalBytes.Span, proposed.Proposal.Signature.Span, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

        // Our gateway takes the official bytes as its own: same transaction id, same digest to sign.
        var ours = _client.Gateway.NewSignedProposal(bytes, proposed.Proposal.Signature.ToByteArray());
        Assert.Equal(transactionId, ours.TransactionId);
        Assert.Equal(Text(built, "digest"), Convert.ToBase64String(ours.Digest));
        Assert.Equal(OfflineClient.Channel, ours.ChannelName);
    }

    [Fact]
    public void OurProposalHasTheOfficialProposalsShape()
    {
        var ours = NodeCrossCheck.Run("decode-proposal", new { proposedTransaction = Convert.ToBase64String(_client.NewSignedProposal().Bytes) });
        var built = NodeCrossCheck.Run("build-proposal", new
        {
            mspId = _credentials.MspId,
            certificatePem = _credentials.CertificatePem,
            privateKeyPem = _credentials.PrivateKeyPem,
            channel = OfflineClient.Channel,
            chaincode = OfflineClient.Chaincode,
            contract = OfflineClient.ContractName,
            transaction = OfflineClient.Function,
            arguments = new[] { OfflineClient.ArgumentJson },
            transient = OfflineClient.Transient.ToDictionary(pair => pair.Key, pair => Convert.ToBase64String(pair.Value)),
            endorsingOrganizations = OfflineClient.EndorsingOrganizations,
        });
        var official = NodeCrossCheck.Run("decode-proposal", new { proposedTransaction = Text(built, "proposedTransaction") });

        // Everything but what is fresh per transaction (nonce → id, time, signature) must be identical.
        foreach (var volatileField in new[] { "transactionId", "digest", "signature" })
        {
            ours.Remove(volatileField);
            official.Remove(volatileField);
        }

        foreach (var header in new[] { ours["header"]!.AsObject(), official["header"]!.AsObject() })
        {
            header.Remove("transactionId");
            header.Remove("computedTransactionId");
            header.Remove("timestampSeconds");
        }

        Assert.Equal(official.ToJsonString(), ours.ToJsonString());
    }

    public void Dispose()
    {
        _client.Dispose();
        _credentials.Dispose();
    }

    private static string Text(JsonNode node, string name) => (string?)node[name] ?? throw new InvalidOperationException($"no '{name}' in {node}");

    private static string[] Strings(JsonNode? node) => [.. node!.AsArray().Select(item => (string)item!)];
}

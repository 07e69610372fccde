using System.Text.Json.Nodes;
using Xunit;
using Grpc.Net.Client;

namespace HybridEhr.Clients.Fabric.Tests;

/// <summary>
/// The requests the gateway authenticates by signature (commit status, chaincode events), as our client sent them to
/// the fake gateway, decoded by the official protos: the field numbers of our own gateway.proto must agree.
/// </summary>
public sealed class SignedRequestCrossCheckTests : IClassFixture<PlainFakeGateway>, IDisposable
{
    private readonly PlainFakeGateway _server;
    private readonly TestCredentials _credentials = TestCredentials.Create("svc", "HospitalBMSP");
    private readonly GrpcChannel _channel;
    private readonly Gateway _gateway;

    public SignedRequestCrossCheckTests(PlainFakeGateway server)
    {
        _server = server;
        _server.State.Reset();
        _channel = FabricChannels.Create(server.Address);
        _gateway = Gateway.Connect(new GatewayOptions { Channel = _channel, Identity = _credentials.Identity, Signer = new EcdsaSigner(_credentials.Key) });
    }

    [Fact]
    public async Task OurCommitStatusRequestDecodesWithTheOfficialProtos()
    {
        var submitted = await (await _gateway.GetNetwork("ehr").GetContract("records").NewProposal("create_record").EndorseAsync()).SubmitAsync();
        await submitted.GetStatusAsync();
        var signed = _server.State.LastSignedCommitStatusRequest!;

        var decoded = Decode("commit-status", signed.Request, signed.Signature);

        Assert.Equal(submitted.TransactionId, (string?)decoded["transactionId"]);
        Assert.Equal("ehr", (string?)decoded["channel"]);
        AssertSignedBy(decoded);
    }

    [Theory]
    [InlineData(null, null, "next-commit", "")]
    [InlineData(17UL, null, "block 17", "")]
    [InlineData(17UL, "tx-9", "block 17", "tx-9")]
    public async Task OurChaincodeEventsRequestDecodesWithTheOfficialProtos(ulong? block, string? afterTransaction, string start, string after)
    {
        var options = afterTransaction is null
            ? new ChaincodeEventsOptions { StartBlock = block }
            : new ChaincodeEventsOptions { Checkpoint = new ChaincodeEventCheckpoint(block!.Value, afterTransaction) };
        await foreach (var _ in _gateway.GetNetwork("ehr").GetChaincodeEventsAsync("records", options))
        {
        }

        var signed = _server.State.LastSignedEventsRequest!;
        var decoded = Decode("chaincode-events", signed.Request, signed.Signature);

        Assert.Equal("ehr", (string?)decoded["channel"]);
        Assert.Equal("records", (string?)decoded["chaincode"]);
        Assert.Equal(start, (string?)decoded["start"]);
        Assert.Equal(after, (string?)decoded["afterTransactionId"]);
        AssertSignedBy(decoded);
    }

    public void Dispose()
    {
        _channel.Dispose();
        _credentials.Dispose();
    }

    private static JsonObject Decode(string kind, Google.Protobuf.ByteString request, Google.Protobuf.ByteString signature) =>
        NodeCrossCheck.Run("decode-signed-request", new
        {
            kind,
            request = Convert.ToBase64String(request.ToByteArray()),
            signature = Convert.ToBase64String(signature.ToByteArray()),
        });

    private void AssertSignedBy(JsonObject decoded)
    {
        Assert.Equal(_credentials.MspId, (string?)decoded["mspId"]);
        Assert.Equal(_credentials.CertificatePem, (string?)decoded["certificatePem"]);
        Assert.True((bool)decoded["signature"]!["verifies"]!);
        Assert.True((bool)decoded["signature"]!["lowS"]!);
    }
}

using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using HybridEhr.Clients.Fabric.Protocol.Gateway;
using Xunit;

namespace HybridEhr.Clients.Fabric.Tests;

/// <summary>
/// Every gateway response we decode, encoded by the official @hyperledger/fabric-protos with each field set, decoded
/// by our messages with every field intact. Our fake gateway shares our proto, so only this catches a wrong field.
/// </summary>
public sealed class ResponseCrossCheckTests : IDisposable
{
    private static readonly Lazy<JsonObject> Encoded = new(() => NodeCrossCheck.Run("encode-responses", new { }));

    private readonly OfflineClient _client = new(TestCredentials.Create("drsmith", "HospitalAMSP", new Dictionary<string, string> { ["role"] = "doctor" }));

    private static JsonObject Expected => Encoded.Value["expected"]!.AsObject();

    private static T Decode<T>(MessageParser<T> parser, string name) where T : IMessage<T> =>
        parser.ParseFrom(Convert.FromBase64String((string)Encoded.Value[name]!));

    private static string Text(string name) => (string)Expected[name]!;

    [Fact]
    public void EndorseResponse_carries_the_prepared_envelope_and_our_transaction_reads_the_result_from_it()
    {
        var response = Decode(EndorseResponse.Parser, "endorse");

        Assert.NotNull(response.PreparedTransaction);
        var payload = Common.Payload.Parser.ParseFrom(response.PreparedTransaction.Payload);
        var channelHeader = Common.ChannelHeader.Parser.ParseFrom(payload.Header.ChannelHeader);
        Assert.Equal(Text("transactionId"), channelHeader.TxId);
        Assert.Equal(Text("channel"), channelHeader.ChannelId);
        Assert.Equal((int)Common.HeaderType.EndorserTransaction, channelHeader.Type);

        var transaction = Protos.Transaction.Parser.ParseFrom(payload.Data);
        var actionPayload = Protos.ChaincodeActionPayload.Parser.ParseFrom(Assert.Single(transaction.Actions).Payload);
        Assert.Equal("endorsement-signature", Assert.Single(actionPayload.Action.Endorsements).Signature.ToStringUtf8());
        var responsePayload = Protos.ProposalResponsePayload.Parser.ParseFrom(actionPayload.Action.ProposalResponsePayload);
        Assert.Equal("proposal-hash", responsePayload.ProposalHash.ToStringUtf8());
        var chaincodeAction = Protos.ChaincodeAction.Parser.ParseFrom(responsePayload.Extension);
        Assert.Equal((int)Expected["chaincodeStatus"]!, chaincodeAction.Response.Status);
        Assert.Equal(Text("chaincodeMessage"), chaincodeAction.Response.Message);
        Assert.Equal(Text("chaincodeResult"), chaincodeAction.Response.Payload.ToStringUtf8());
        var chaincodeEvent = Protos.ChaincodeEvent.Parser.ParseFrom(chaincodeAction.Events);
        Assert.Equal(Text("eventName"), chaincodeEvent.EventName);

        // The path Proposal.EndorseAsync takes: the envelope becomes our Transaction, whose Result is the chaincode's.
        var prepared = new PreparedTransaction { TransactionId = Text("transactionId"), Envelope = response.PreparedTransaction };
        var ours = _client.Gateway.NewTransaction(prepared.ToByteArray());
        Assert.Equal(Text("chaincodeResult"), Encoding.UTF8.GetString(ours.Result));
        Assert.False(ours.IsSigned);
    }

    [Fact]
    public void SubmitResponse_decodes_and_has_no_fields() =>
        Assert.Equal(new SubmitResponse(), Decode(SubmitResponse.Parser, "submit"));

    [Fact]
    public void EvaluateResponse_keeps_the_chaincode_response()
    {
        var response = Decode(EvaluateResponse.Parser, "evaluate");

        Assert.Equal((int)Expected["chaincodeStatus"]!, response.Result.Status);
        Assert.Equal(Text("chaincodeMessage"), response.Result.Message);
        Assert.Equal(Text("chaincodeResult"), response.Result.Payload.ToStringUtf8());
    }

    [Fact]
    public void CommitStatusResponse_keeps_the_validation_code_and_block()
    {
        var response = Decode(CommitStatusResponse.Parser, "commitStatus");

        Assert.Equal((int)Expected["validationCode"]!, (int)response.Result);
        Assert.Equal((ulong)Expected["blockNumber"]!, response.BlockNumber);
    }

    [Fact]
    public void ChaincodeEventsResponse_keeps_each_event_and_the_block()
    {
        var response = Decode(ChaincodeEventsResponse.Parser, "chaincodeEvents");

        Assert.Equal((ulong)Expected["blockNumber"]!, response.BlockNumber);
        Assert.Equal(2, response.Events.Count);
        Assert.All(response.Events, chaincodeEvent =>
        {
            Assert.Equal(Text("chaincode"), chaincodeEvent.ChaincodeId);
            Assert.Equal(Text("transactionId"), chaincodeEvent.TxId);
            Assert.Equal(Text("eventName"), chaincodeEvent.EventName);
            Assert.Equal(Text("eventPayload"), chaincodeEvent.Payload.ToStringUtf8());
        });
    }

    [Fact]
    public void ErrorDetail_keeps_the_failed_node()
    {
        var detail = Decode(ErrorDetail.Parser, "errorDetail");

        Assert.Equal(Text("errorAddress"), detail.Address);
        Assert.Equal(Text("errorMspId"), detail.MspId);
        Assert.Equal(Text("errorMessage"), detail.Message);
    }

    public void Dispose() => _client.Dispose();
}

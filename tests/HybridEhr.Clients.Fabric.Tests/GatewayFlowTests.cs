using System.Text;
using Grpc.Core;
using Xunit;
using Grpc.Net.Client;

namespace HybridEhr.Clients.Fabric.Tests;

/// <summary>Evaluate, submit, errors and events through the whole client against the in-process fake gateway.</summary>
public sealed class GatewayFlowTests : IClassFixture<PlainFakeGateway>, IDisposable
{
    private readonly PlainFakeGateway _server;
    private readonly TestCredentials _credentials = TestCredentials.Create("drsmith", "HospitalAMSP");
    private readonly GrpcChannel _channel;
    private readonly Gateway _gateway;

    public GatewayFlowTests(PlainFakeGateway server)
    {
        _server = server;
        _server.State.Reset();
        _channel = FabricChannels.Create(server.Address);
        _gateway = Gateway.Connect(new GatewayOptions
        {
            Channel = _channel,
            Identity = _credentials.Identity,
            Signer = new EcdsaSigner(_credentials.Key),
        });
    }

    private Contract Records => _gateway.GetNetwork("ehr").GetContract("records", "records");

    [Fact]
    public async Task EvaluateReturnsTheFunctionsResult()
    {
        var result = await Records.EvaluateTransactionAsync("get_record", """{"record_id":"ehr-1"}""");

        Assert.Equal("""records:get_record({"record_id":"ehr-1"})""", Encoding.UTF8.GetString(result));
        Assert.Equal(["Evaluate"], _server.State.Calls);
    }

    [Fact]
    public async Task SubmitEndorsesSignsSubmitsAndWaitsForTheCommit()
    {
        var result = await Records.SubmitTransactionAsync("create_record", "{}");

        Assert.Equal("records:create_record({})", Encoding.UTF8.GetString(result));
        Assert.Equal(["Endorse", "Submit", "CommitStatus"], _server.State.Calls);
    }

    [Fact]
    public async Task TheStepsCanBeTakenOneByOne()
    {
        var proposal = Records.NewProposal("update_record", ProposalOptions.WithArguments("{}"));
        var transaction = await proposal.EndorseAsync();
        var submitted = await transaction.SubmitAsync();
        var status = await submitted.GetStatusAsync();

        Assert.True(status.IsSuccessful);
        Assert.Equal(42UL, status.BlockNumber);
        Assert.Equal(proposal.TransactionId, status.TransactionId);
        Assert.Equal("records:update_record({})", Encoding.UTF8.GetString(submitted.Result));
    }

    [Fact]
    public async Task AnInvalidCommitIsAnErrorWithItsValidationCode()
    {
        _server.State.CommitCode = Protos.TxValidationCode.MvccReadConflict;

        var error = await Assert.ThrowsAsync<CommitException>(() => Records.SubmitTransactionAsync("update_record", "{}"));

        Assert.Equal(Protos.TxValidationCode.MvccReadConflict, error.Status.Code);
        Assert.Equal(42UL, error.Status.BlockNumber);
    }

    [Fact]
    public async Task EndorsementErrorsCarryEveryPeersMessage()
    {
        var proposal = Records.NewProposal("transfer_token", ProposalOptions.WithArguments("{}"));

        var error = await Assert.ThrowsAsync<EndorseException>(() => proposal.EndorseAsync());

        Assert.True(error.StatusCode == StatusCode.Aborted, error.Message);
        Assert.Equal(proposal.TransactionId, error.TransactionId);
        Assert.Equal(2, error.Details.Count);
        Assert.Equal("peer0.hospitala.example.com:7051", error.Details[0].Address);
        Assert.Equal("HospitalAMSP", error.Details[0].MspId);
        Assert.StartsWith("chaincode response 500, SOULBOUND:", error.Details[0].Message, StringComparison.Ordinal);
        Assert.Equal("HospitalBMSP", error.Details[1].MspId);
        Assert.Contains("peer0.hospitalb.example.com:9051 (HospitalBMSP): chaincode response 500, SOULBOUND", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACallerThatSignsElsewhereEvaluatesAndSubmits()
    {
        var offline = Gateway.Connect(new GatewayOptions { Channel = _channel, Identity = _credentials.Identity });
        var signer = new EcdsaSigner(_credentials.Key);
        var contract = offline.GetNetwork("ehr").GetContract("records", "records");

        var unsigned = contract.NewProposal("get_record", ProposalOptions.WithArguments("{}"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => unsigned.EvaluateAsync());
        var evaluated = await offline.NewSignedProposal(unsigned.Bytes, signer.Sign(unsigned.Digest)).EvaluateAsync();
        Assert.Equal("records:get_record({})", Encoding.UTF8.GetString(evaluated));

        var toEndorse = contract.NewProposal("create_record", ProposalOptions.WithArguments("{}"));
        var endorsed = await offline.NewSignedProposal(toEndorse.Bytes, signer.Sign(toEndorse.Digest)).EndorseAsync();
        var submitted = await offline.NewSignedTransaction(endorsed.Bytes, signer.Sign(endorsed.Digest)).SubmitAsync();
        Assert.Equal(toEndorse.TransactionId, submitted.TransactionId);
        Assert.True(_server.State.Submitted.ContainsKey(toEndorse.TransactionId));
    }

    [Fact]
    public async Task ChaincodeEventsResumeAfterTheCheckpoint()
    {
        _server.State.EventBlocks.Add(EventsBlock(5, ("tx-a", "RecordCreated"), ("tx-b", "ImageMinted")));
        _server.State.EventBlocks.Add(EventsBlock(6, ("tx-c", "RecordUpdated")));
        var network = _gateway.GetNetwork("ehr");

        var all = await ReadAllAsync(network.GetChaincodeEventsAsync("records", new ChaincodeEventsOptions { StartBlock = 5 }));
        Assert.Equal(["tx-a", "tx-b", "tx-c"], all.Select(e => e.TransactionId));
        Assert.Equal([5UL, 5UL, 6UL], all.Select(e => e.BlockNumber));
        Assert.Equal("ImageMinted", all[1].EventName);
        Assert.Equal("records", all[1].ChaincodeName);
        Assert.Equal("payload of tx-b", Encoding.UTF8.GetString(all[1].Payload));

        var checkpoint = new ChaincodeEventCheckpoint();
        checkpoint.CheckpointEvent(all[1]);
        var resumed = await ReadAllAsync(network.GetChaincodeEventsAsync("records", new ChaincodeEventsOptions { Checkpoint = checkpoint }));

        Assert.Equal(["tx-c"], resumed.Select(e => e.TransactionId));
        var request = _server.State.LastEventsRequest!;
        Assert.Equal(5UL, request.StartPosition.Specified.Number);
        Assert.Equal("tx-b", request.AfterTransactionId);
        Assert.Equal("records", request.ChaincodeId);
        Assert.Equal("ehr", request.ChannelId);
    }

    [Fact]
    public async Task WithoutAStartTheEventsBeginAtTheNextCommit()
    {
        await ReadAllAsync(_gateway.GetNetwork("ehr").GetChaincodeEventsAsync("records"));

        Assert.NotNull(_server.State.LastEventsRequest!.StartPosition.NextCommit);
    }

    [Fact]
    public async Task TheProbeReportsAnAnsweringPeerAsHealthy()
    {
        var result = await new FabricPeerProbe(_gateway.GetNetwork("ehr"), "records").CheckAsync();

        Assert.True(result.IsHealthy, result.Description);
    }

    [Fact]
    public async Task TheProbeReportsAnUnreachablePeerAsUnhealthy()
    {
        using var nowhere = FabricChannels.Create("http://127.0.0.1:9");
        var gateway = Gateway.Connect(new GatewayOptions { Channel = nowhere, Identity = _credentials.Identity, Signer = new EcdsaSigner(_credentials.Key) });

        var result = await new FabricPeerProbe(gateway.GetNetwork("ehr"), "records").CheckAsync();

        Assert.False(result.IsHealthy);
        Assert.Contains("Unavailable", result.Description, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _channel.Dispose();
        _credentials.Dispose();
    }

    private static Protocol.Gateway.ChaincodeEventsResponse EventsBlock(ulong number, params (string TransactionId, string Name)[] events)
    {
        var block = new Protocol.Gateway.ChaincodeEventsResponse { BlockNumber = number };
        block.Events.AddRange(events.Select(e => new Protos.ChaincodeEvent
        {
            ChaincodeId = "records",
            TxId = e.TransactionId,
            EventName = e.Name,
            Payload = Google.Protobuf.ByteString.CopyFromUtf8($"payload of {e.TransactionId}"),
        }));
        return block;
    }

    private static async Task<List<ChaincodeEvent>> ReadAllAsync(IAsyncEnumerable<ChaincodeEvent> events)
    {
        var list = new List<ChaincodeEvent>();
        await foreach (var chaincodeEvent in events)
        {
            list.Add(chaincodeEvent);
        }

        return list;
    }
}

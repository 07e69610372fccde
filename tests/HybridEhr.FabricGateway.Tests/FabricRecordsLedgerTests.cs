using System.Text.Json.Nodes;
using HybridEhr.Clients.Devnet;
using HybridEhr.Clients.Fabric;
using HybridEhr.Clients.Fabric.Tests;
using HybridEhr.FabricGateway.Ledger;
using Grpc.Core;
using Xunit;
using Grpc.Net.Client;

namespace HybridEhr.FabricGateway.Tests;

/// <summary>FabricRecordsLedger through the real Fabric client against the in-process fake gateway peer.</summary>
public sealed class FabricRecordsLedgerTests : IClassFixture<PlainFakeGateway>, IDisposable
{
    private readonly PlainFakeGateway _server;
    private readonly TestCredentials _credentials = TestCredentials.Create("fabricgateway", "HospitalAMSP");
    private readonly GrpcChannel _channel;
    private readonly FabricRecordsLedger _ledger;

    public FabricRecordsLedgerTests(PlainFakeGateway server)
    {
        _server = server;
        _server.State.Reset();
        _channel = FabricChannels.Create(server.Address);
        var gateway = Gateway.Connect(new GatewayOptions
        {
            Channel = _channel,
            Identity = _credentials.Identity,
            Signer = new EcdsaSigner(_credentials.Key),
        });
        _ledger = new FabricRecordsLedger(gateway.GetNetwork("ehr"), "records", "records");
    }

    [Fact]
    public async Task SubmitCallsTheFunctionWithTheJsonObjectAsItsOnlyArgumentAndWaitsForTheCommit()
    {
        var committed = await _ledger.SubmitAsync(
            new UnusedSigner(), "create_record", new JsonObject { ["record_id"] = "ehr-1" }, CancellationToken.None);

        Assert.Equal("""records:create_record({"record_id":"ehr-1"})""", committed.ResultJson);
        Assert.Equal(42, committed.BlockNumber);
        Assert.Matches("^[0-9a-f]{64}$", committed.TxId);
        Assert.Equal(["Endorse", "Submit", "CommitStatus"], _server.State.Calls);
    }

    [Fact]
    public async Task EvaluateReturnsTheFunctionsResultText()
    {
        var result = await _ledger.EvaluateAsync("0xignored", "get_record", new JsonObject { ["record_id"] = "ehr-1" }, CancellationToken.None);

        Assert.Equal("""records:get_record({"record_id":"ehr-1"})""", result);
        Assert.Equal(["Evaluate"], _server.State.Calls);
    }

    [Fact]
    public async Task AChaincodeErrorInThePeersDetailsBecomesTheDevnetsStatusAndTrailer()
    {
        // The fake peers refuse transfer_token with "chaincode response 500, SOULBOUND: ..." in each endorser's detail.
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _ledger.SubmitAsync(new UnusedSigner(), "transfer_token", new JsonObject { ["token_id"] = "img-1" }, CancellationToken.None));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.StartsWith("SOULBOUND: image tokens are soulbound", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("SOULBOUND", error.Trailers.GetValue(ContractErrors.Trailer));
        Assert.DoesNotContain("Submit", _server.State.Calls);
    }

    [Fact]
    public async Task AReadConflictAtCommitIsAbortedSoTheCallerCanRetry()
    {
        _server.State.CommitCode = Protos.TxValidationCode.MvccReadConflict;

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _ledger.SubmitAsync(new UnusedSigner(), "update_record", new JsonObject(), CancellationToken.None));

        Assert.Equal(StatusCode.Aborted, error.StatusCode);
        Assert.Equal("MVCC_CONFLICT", error.Trailers.GetValue(ContractErrors.Trailer));
    }

    [Fact]
    public async Task EventsCarryTheirBlockTheirPositionInItAndTheirJsonPayload()
    {
        _server.State.EventBlocks.Add(EventsBlock(5, ("tx-a", "RecordCreated"), ("tx-b", "ImageMinted")));
        _server.State.EventBlocks.Add(EventsBlock(6, ("tx-c", "RecordUpdated")));

        var events = new List<RecordsChainEvent>();
        await foreach (var e in _ledger.WatchAsync(5, CancellationToken.None))
        {
            events.Add(e);
        }

        Assert.Equal(
            [(5L, 0, "tx-a", "RecordCreated"), (5L, 1, "tx-b", "ImageMinted"), (6L, 0, "tx-c", "RecordUpdated")],
            events.Select(e => (e.BlockNumber, e.TxIndex, e.TxId, e.Name)));
        Assert.Equal("""{"tx":"tx-a"}""", events[0].PayloadJson);
        Assert.Equal(5UL, _server.State.LastEventsRequest!.StartPosition.Specified.Number);
        Assert.Equal("records", _server.State.LastEventsRequest.ChaincodeId);
    }

    [Fact]
    public async Task MembershipCannotBeATransactionOnFabric()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _ledger.EnrollMemberAsync(
            new UnusedSigner(), "0xdoctor", new Dictionary<string, string> { ["role"] = "doctor" }, CancellationToken.None));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("CA must issue", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("role=doctor", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("document_id_hash", error.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(_server.State.Calls);
    }

    [Fact]
    public async Task ThePeerProbeSaysWhetherTheChaincodeAnswers()
    {
        Assert.True(await _ledger.IsReachableAsync(CancellationToken.None));
        Assert.Equal(["Evaluate"], _server.State.Calls);
    }

    [Fact]
    public async Task AnUnreachablePeerIsUnavailable()
    {
        using var nowhere = FabricChannels.Create("http://127.0.0.1:1");
        var ledger = LedgerOver(nowhere, _credentials);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            ledger.EvaluateAsync("", "get_record", new JsonObject(), CancellationToken.None));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.False(await ledger.IsReachableAsync(CancellationToken.None));
    }

    [Theory]
    [InlineData("chaincode response 500, NOT_ENROLLED_DOCTOR: only a doctor may write", "NOT_ENROLLED_DOCTOR", "only a doctor may write")]
    [InlineData("evaluate call to endorser returned error: chaincode response 500, RECORD_NOT_FOUND: record ehr-9", "RECORD_NOT_FOUND", "record ehr-9")]
    [InlineData("VERSION_CONFLICT: expected version 2", "VERSION_CONFLICT", "expected version 2")]
    public void ContractCodesAreReadFromPeerMessages(string message, string code, string detail) =>
        Assert.Equal((code, detail), FabricRecordsLedger.ContractErrorOf(message));

    [Theory]
    [InlineData("failed to endorse transaction, see attached details for more info")]
    [InlineData("rpc error: code = Unavailable desc = connection refused")]
    [InlineData("access denied: TLS: handshake failure")]
    public void OtherMessagesAreNotContractErrors(string message) =>
        Assert.Null(FabricRecordsLedger.ContractErrorOf(message));

    public void Dispose()
    {
        _channel.Dispose();
        _credentials.Dispose();
    }

    internal static FabricRecordsLedger LedgerOver(GrpcChannel channel, TestCredentials credentials)
    {
        var gateway = Gateway.Connect(new GatewayOptions
        {
            Channel = channel,
            Identity = credentials.Identity,
            Signer = new EcdsaSigner(credentials.Key),
            Timeouts = new GatewayTimeouts { Evaluate = TimeSpan.FromSeconds(2) },
        });
        return new FabricRecordsLedger(gateway.GetNetwork("ehr"), "records", "records");
    }

    private static Clients.Fabric.Protocol.Gateway.ChaincodeEventsResponse EventsBlock(ulong number, params (string TransactionId, string Name)[] events)
    {
        var block = new Clients.Fabric.Protocol.Gateway.ChaincodeEventsResponse { BlockNumber = number };
        block.Events.AddRange(events.Select(e => new Protos.ChaincodeEvent
        {
            ChaincodeId = "records",
            TxId = e.TransactionId,
            EventName = e.Name,
            Payload = Google.Protobuf.ByteString.CopyFromUtf8($$"""{"tx":"{{e.TransactionId}}"}"""),
        }));
        return block;
    }

    /// <summary>On Fabric the gateway's identity signs; a devnet signer must never be asked.</summary>
    private sealed class UnusedSigner : ITransactionSigner
    {
        public string AccountId => "0x" + new string('a', 64);

        public byte[] PublicKey => [];

        public ValueTask<byte[]> SignAsync(byte[] payload, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("FabricRecordsLedger must not use the devnet signer.");
    }
}

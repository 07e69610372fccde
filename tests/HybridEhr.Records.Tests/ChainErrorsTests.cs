using Grpc.Core;
using HybridEhr.Records.Chain;
using Xunit;

namespace HybridEhr.Records.Tests;

public sealed class ChainErrorsTests
{
    [Theory]
    [InlineData(StatusCode.FailedPrecondition, "NOT_ENROLLED_DOCTOR: caller is not an enrolled doctor", "NOT_ENROLLED_DOCTOR", StatusCode.PermissionDenied)]
    [InlineData(StatusCode.Aborted, "contract error VERSION_CONFLICT (expected 1, found 2)", "VERSION_CONFLICT", StatusCode.Aborted)]
    [InlineData(StatusCode.AlreadyExists, "RECORD_EXISTS: record r-1 exists", "RECORD_EXISTS", StatusCode.AlreadyExists)]
    [InlineData(StatusCode.FailedPrecondition, "TOKEN_RECORD_MISMATCH: img-1", "TOKEN_RECORD_MISMATCH", StatusCode.InvalidArgument)]
    [InlineData(StatusCode.NotFound, "record r-1 does not exist", null, StatusCode.NotFound)]
    [InlineData(StatusCode.DeadlineExceeded, "commit not seen; tx 00ff", null, StatusCode.Unavailable)]
    [InlineData(StatusCode.Unavailable, "no peer", null, StatusCode.Unavailable)]
    public void Gateway_failures_map_to_the_statuses_records_proto_promises(StatusCode gatewayStatus, string detail, string? code, StatusCode expected)
    {
        var translated = FabricGatewayRecordAnchors.Translate(new RpcException(new Status(gatewayStatus, detail)));

        Assert.Equal(code, translated.ContractCode);
        Assert.Equal(expected, ChainErrors.ToRpc(translated, "r-1").Status.StatusCode);
    }

    [Theory]
    [InlineData(StatusCode.DeadlineExceeded, null, true)]
    [InlineData(StatusCode.Unknown, null, true)]
    [InlineData(StatusCode.Unavailable, null, true)]
    [InlineData(StatusCode.Aborted, null, false)]
    [InlineData(StatusCode.Unknown, "VERSION_CONFLICT", false)]
    public void Only_failures_that_may_have_committed_keep_the_pending_version(StatusCode status, string? code, bool unknown) =>
        Assert.Equal(unknown, new ChainCallException(status, code, "x").OutcomeUnknown);

    [Fact]
    public void A_response_cut_after_the_request_was_sent_is_an_unknown_outcome_and_says_so()
    {
        // What Grpc.Net.Client reports when FabricGateway dies after receiving CreateRecord: UNAVAILABLE, with the
        // broken HTTP/2 stream as the status's debug exception. The gateway may already have committed the anchor.
        var cut = new RpcException(new Status(StatusCode.Unavailable, "Error connecting: The response ended prematurely.",
            new HttpRequestException("The response ended prematurely.", new IOException("The response ended prematurely."))));

        var translated = FabricGatewayRecordAnchors.Translate(cut);

        Assert.True(translated.OutcomeUnknown);
        var answer = ChainErrors.ToRpc(translated, "r-1");
        Assert.Equal(StatusCode.Unavailable, answer.Status.StatusCode);
        Assert.Contains("being confirmed", answer.Status.Detail);
        Assert.DoesNotContain("nothing was written", answer.Status.Detail);
    }

    [Fact]
    public void Only_a_refused_connection_proves_that_nothing_was_written()
    {
        var refused = new RpcException(new Status(StatusCode.Unavailable, "Error connecting: Connection refused",
            new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (127.0.0.1:5105)",
                new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused))));

        var translated = FabricGatewayRecordAnchors.Translate(refused);

        Assert.False(translated.OutcomeUnknown);
        Assert.Contains("nothing was written", ChainErrors.ToRpc(translated, "r-1").Status.Detail);
    }
}

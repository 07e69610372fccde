using HybridEhr.Grpc;
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
        var translated = FabricGatewayRecordAnchors.Translate(new RpcException(gatewayStatus, detail));

        Assert.Equal(code, translated.ContractCode);
        Assert.Equal(expected, ChainErrors.ToRpc(translated, "r-1").Status.StatusCode);
    }

    [Theory]
    [InlineData(StatusCode.DeadlineExceeded, null, true)]
    [InlineData(StatusCode.Unknown, null, true)]
    [InlineData(StatusCode.Unavailable, null, false)]
    [InlineData(StatusCode.Aborted, null, false)]
    [InlineData(StatusCode.Unknown, "VERSION_CONFLICT", false)]
    public void Only_failures_that_may_have_committed_keep_the_pending_version(StatusCode status, string? code, bool unknown) =>
        Assert.Equal(unknown, new ChainCallException(status, code, "x").OutcomeUnknown);
}

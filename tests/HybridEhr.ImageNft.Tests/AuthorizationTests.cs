using HybridEhr.Contracts.Events;
using Grpc.Core;
using HybridEhr.ImageNft.Access;
using HybridEhr.ImageNft.Ledger;
using Xunit;

namespace HybridEhr.ImageNft.Tests;

public sealed class AuthorizationTests
{
    private readonly FakeGrants _grants = new FakeGrants().Grant(Callers.Alice, Callers.DrSmith, "grant-7");
    private readonly ImageAccessPolicy _policy;

    public AuthorizationTests() => _policy = new ImageAccessPolicy(_grants);

    [Fact]
    public async Task The_owner_reads_without_asking_the_permission_chain()
    {
        var decision = await _policy.AuthorizeReadAsync(Callers.Patient(Callers.Alice), Callers.Alice, servicesAllowed: false, default);

        Assert.Equal(AccessBasis.Owner, decision.Basis);
        Assert.Equal(0, _grants.Checks);
    }

    [Fact]
    public async Task Another_patient_is_denied()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _policy.AuthorizeReadAsync(Callers.Patient(Callers.Bob), Callers.Alice, true, default));
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    [Fact]
    public async Task A_doctor_reads_under_a_live_grant_and_the_grant_is_named()
    {
        var decision = await _policy.AuthorizeReadAsync(Callers.Doctor(Callers.DrSmith), Callers.Alice, false, default);

        Assert.Equal(AccessBasis.Grant, decision.Basis);
        Assert.Equal("grant-7", decision.GrantId);
    }

    [Fact]
    public async Task A_doctor_without_a_grant_or_after_a_revoke_is_denied()
    {
        await Assert.ThrowsAsync<RpcException>(() => _policy.AuthorizeReadAsync(Callers.Doctor(Callers.DrRogue), Callers.Alice, false, default));
        _grants.Revoke(Callers.Alice, Callers.DrSmith);

        var error = await Assert.ThrowsAsync<RpcException>(() => _policy.AuthorizeReadAsync(Callers.Doctor(Callers.DrSmith), Callers.Alice, false, default));
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    [Fact]
    public async Task Services_see_tokens_but_never_image_content()
    {
        Assert.Equal(AccessBasis.Unspecified, (await _policy.AuthorizeReadAsync(Callers.Service(), Callers.Alice, servicesAllowed: true, default)).Basis);
        var error = await Assert.ThrowsAsync<RpcException>(() => _policy.AuthorizeReadAsync(Callers.Service(), Callers.Alice, servicesAllowed: false, default));
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    [Fact]
    public async Task Only_doctors_with_a_grant_upload()
    {
        Assert.Equal("grant-7", (await _policy.AuthorizeUploadAsync(Callers.Doctor(Callers.DrSmith), Callers.Alice, default)).GrantId);
        Assert.Equal(StatusCode.PermissionDenied,
            (await Assert.ThrowsAsync<RpcException>(() => _policy.AuthorizeUploadAsync(Callers.Patient(Callers.Alice), Callers.Alice, default))).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied,
            (await Assert.ThrowsAsync<RpcException>(() => _policy.AuthorizeUploadAsync(Callers.Doctor(Callers.DrRogue), Callers.Alice, default))).StatusCode);
    }

    [Fact]
    public void The_gateways_code_trailer_decides_over_the_message()
    {
        var error = new RpcException(new Status(StatusCode.NotFound, "TOKEN_NOT_FOUND: token x does not exist"), new Metadata { { "x-contract-error", "TOKEN_NOT_FOUND" } });

        Assert.Equal("TOKEN_NOT_FOUND", ContractErrors.CodeOf(error));
        Assert.Null(ContractErrors.CodeOf(new RpcException(new Status(StatusCode.Unavailable, "no peer reachable"))));
    }

    [Theory]
    [InlineData(StatusCode.Unknown, "NOT_ENROLLED_DOCTOR: caller is not an enrolled doctor", StatusCode.PermissionDenied)]
    [InlineData(StatusCode.Unknown, "TOKEN_EXISTS: token x already exists", StatusCode.AlreadyExists)]
    [InlineData(StatusCode.FailedPrecondition, "PATIENT_MISMATCH: record ehr-1 belongs to another patient", StatusCode.FailedPrecondition)]
    [InlineData(StatusCode.NotFound, "NOT_FOUND: TOKEN_NOT_FOUND: token x does not exist", StatusCode.NotFound)]
    [InlineData(StatusCode.Unknown, "INVALID_ARGUMENT: 'token_uri' must be ipfs://", StatusCode.InvalidArgument)]
    [InlineData(StatusCode.Unavailable, "no peer reachable", StatusCode.Unavailable)]
    [InlineData(StatusCode.Aborted, "MVCC_READ_CONFLICT", StatusCode.Aborted)]
    [InlineData(StatusCode.Unknown, "something else", StatusCode.Internal)]
    public void Contract_refusals_become_documented_statuses(StatusCode gatewayStatus, string message, StatusCode expected) =>
        Assert.Equal(expected, ContractErrors.Translate(new RpcException(new Status(gatewayStatus, message)), "the mint").StatusCode);
}

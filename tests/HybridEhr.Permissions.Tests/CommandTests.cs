using Grpc.Core;
using HybridEhr.Permissions.Domain;
using static HybridEhr.Permissions.Tests.Accounts;

namespace HybridEhr.Permissions.Tests;

public sealed class CommandTests
{
    private static readonly Actor Patient = new(Alice, Actor.PatientRole);
    private static readonly Actor OtherPatient = new(Bob, Actor.PatientRole);
    private static readonly Actor Doctor = new(DrSmith, Actor.DoctorRole);

    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero));
    private readonly FakeChain _chain;
    private readonly PermissionReadModel _model;
    private readonly PermissionCommands _commands;
    private readonly PermissionQueries _queries;

    public CommandTests()
    {
        _chain = new FakeChain(_clock).WithPatient(Alice).WithPatient(Bob).WithDoctor(DrSmith).WithDoctor(DrJones);
        _model = new PermissionReadModel(new InMemoryReadModelJournal(), _clock, TimeSpan.FromDays(7));
        _commands = new PermissionCommands(_chain, new FakeSigners(), _model, _clock);
        _queries = new PermissionQueries(_model, new ReadModelFreshness(_clock), _chain, _clock);
    }

    [Fact]
    public async Task Request_then_approve_with_expiry_gives_a_live_grant_signed_by_each_actor()
    {
        var requested = await _commands.RequestAccessAsync(Doctor, Alice, "your scan from Tuesday", default);
        Assert.Equal("your scan from Tuesday", requested.Request.Reason);
        Assert.Equal(requested.Request.RequestId, Assert.Single(_queries.ListPendingRequests(Patient, 0, string.Empty).Requests).RequestId);

        var expiresAt = _clock.Now.AddDays(3);
        var approved = await _commands.ApproveAccessAsync(Patient, requested.Request.RequestId, expiresAt, default);

        Assert.Equal(requested.Request.RequestId, approved.Grant.RequestId);
        Assert.Equal(expiresAt, approved.Grant.ExpiresAt);
        Assert.True(_queries.HasPermission(Doctor, Alice, DrSmith).HasPermission);
        Assert.Equal([(DrSmith, "request_access"), (Alice, "approve_access")], _chain.Submitted.Select(s => (s.Signer, s.Function)));
        Assert.Equal(expiresAt.ToUnixTimeMilliseconds(), _chain.Submitted[1].Args["expires_at"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_revoke_is_effective_for_the_very_next_check()
    {
        await _commands.GrantPermissionAsync(Patient, DrSmith, null, default);
        Assert.True(_queries.HasPermission(Doctor, Alice, DrSmith).HasPermission);

        var revoked = await _commands.RevokePermissionAsync(Patient, DrSmith, default);

        Assert.False(_queries.HasPermission(Doctor, Alice, DrSmith).HasPermission);
        Assert.Equal(DrSmith, revoked.RevokedGrant.Doctor);
        Assert.Empty(_queries.GetGrantees(Patient, string.Empty).Grants);
    }

    [Fact]
    public async Task Revoking_what_was_never_granted_is_not_found()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _commands.RevokePermissionAsync(Patient, DrSmith, default));
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Granting_the_same_live_grant_again_is_a_harmless_retry()
    {
        var first = await _commands.GrantPermissionAsync(Patient, DrSmith, null, default);
        var again = await _commands.GrantPermissionAsync(Patient, DrSmith, null, default);

        Assert.Equal(first.Grant, again.Grant);
    }

    [Fact]
    public async Task Roles_are_checked_before_the_chain_is_asked()
    {
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() => _commands.GrantPermissionAsync(Doctor, DrJones, null, default))).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() => _commands.RevokePermissionAsync(Doctor, DrJones, default))).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() => _commands.RequestAccessAsync(Patient, Bob, string.Empty, default))).StatusCode);
        Assert.Empty(_chain.Submitted);
    }

    [Fact]
    public async Task Arguments_are_checked_before_the_chain_is_asked()
    {
        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => _commands.GrantPermissionAsync(Patient, "0x1234", null, default))).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => _commands.GrantPermissionAsync(Patient, DrSmith, _clock.Now.AddSeconds(30), default))).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => _commands.RequestAccessAsync(Doctor, Alice, new string('x', 501), default))).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => _commands.ApproveAccessAsync(Patient, " ", null, default))).StatusCode);
        Assert.Empty(_chain.Submitted);
    }

    [Fact]
    public async Task Decisions_on_requests_follow_the_proto()
    {
        var requested = await _commands.RequestAccessAsync(Doctor, Alice, string.Empty, default);
        var id = requested.Request.RequestId;

        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => _commands.ApproveAccessAsync(Patient, "req_unknown", null, default))).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() => _commands.ApproveAccessAsync(OtherPatient, id, null, default))).StatusCode);

        var denied = await _commands.DenyAccessAsync(Patient, id, "I do not know you", default);
        Assert.Equal(RequestStatus.Denied, denied.Request.Status);
        Assert.Equal("I do not know you", denied.Request.DenialReason);
        Assert.Equal(StatusCode.FailedPrecondition, (await Assert.ThrowsAsync<RpcException>(() => _commands.ApproveAccessAsync(Patient, id, null, default))).StatusCode);
    }

    [Fact]
    public async Task Asking_twice_while_pending_or_while_granted_is_refused()
    {
        await _commands.RequestAccessAsync(Doctor, Alice, string.Empty, default);
        Assert.Equal(StatusCode.AlreadyExists, (await Assert.ThrowsAsync<RpcException>(() => _commands.RequestAccessAsync(Doctor, Alice, string.Empty, default))).StatusCode);

        await _commands.GrantPermissionAsync(new Actor(Bob, Actor.PatientRole), DrSmith, null, default);
        Assert.Equal(StatusCode.FailedPrecondition, (await Assert.ThrowsAsync<RpcException>(() => _commands.RequestAccessAsync(Doctor, Bob, string.Empty, default))).StatusCode);
    }

    [Fact]
    public async Task A_refusal_by_the_chain_reaches_the_caller_with_the_documented_status()
    {
        _chain.NextContractError = "NOT_PATIENT";
        var error = await Assert.ThrowsAsync<RpcException>(() => _commands.GrantPermissionAsync(Patient, DrSmith, null, default));
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);

        Assert.Equal(StatusCode.FailedPrecondition, (await Assert.ThrowsAsync<RpcException>(() => _commands.GrantPermissionAsync(Patient, Bob, null, default))).StatusCode);
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => _commands.GrantPermissionAsync(Patient, Of("nobody"), null, default))).StatusCode);
    }

    [Theory]
    [InlineData("NOT_PATIENT", StatusCode.PermissionDenied)]
    [InlineData("NOT_DOCTOR", StatusCode.PermissionDenied)]
    [InlineData("CALLER_NOT_REGISTERED", StatusCode.FailedPrecondition)]
    [InlineData("USER_NOT_FOUND", StatusCode.NotFound)]
    [InlineData("TARGET_NOT_PATIENT", StatusCode.NotFound)]
    [InlineData("TARGET_NOT_DOCTOR", StatusCode.FailedPrecondition)]
    [InlineData("REQUEST_NOT_FOUND", StatusCode.NotFound)]
    [InlineData("REQUEST_NOT_PENDING", StatusCode.FailedPrecondition)]
    [InlineData("ALREADY_GRANTED", StatusCode.FailedPrecondition)]
    [InlineData("EXPIRY_NOT_IN_FUTURE", StatusCode.InvalidArgument)]
    [InlineData("INVALID_ARGUMENT", StatusCode.InvalidArgument)]
    [InlineData("UNKNOWN_FUNCTION", StatusCode.Internal)]
    public void Contract_errors_map_to_statuses_with_a_message(string code, StatusCode expected)
    {
        var error = ChainErrors.FromContract(code, "detail");

        Assert.Equal(expected, error.StatusCode);
        Assert.False(string.IsNullOrWhiteSpace(error.Status.Detail));
    }

    [Theory]
    [InlineData("MVCC_CONFLICT", StatusCode.Aborted)]
    [InlineData("NONCE_REPLAYED", StatusCode.Aborted)]
    [InlineData("BAD_SIGNATURE", StatusCode.PermissionDenied)]
    [InlineData("LEDGER_CLOSING", StatusCode.Unavailable)]
    public void Ledger_refusals_map_to_statuses(string code, StatusCode expected) =>
        Assert.Equal(expected, ChainErrors.FromLedger(code, "detail").StatusCode);
}

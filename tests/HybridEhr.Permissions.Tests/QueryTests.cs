using Grpc.Core;
using HybridEhr.Permissions.Domain;
using static HybridEhr.Permissions.Tests.Accounts;

namespace HybridEhr.Permissions.Tests;

public sealed class QueryTests
{
    private static readonly Actor Patient = new(Alice, Actor.PatientRole);
    private static readonly Actor Doctor = new(DrSmith, Actor.DoctorRole);
    private static readonly Actor Records = new("service:records", Actor.ServiceRole);

    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero));
    private readonly FakeChain _chain;
    private readonly PermissionReadModel _model;
    private readonly ReadModelFreshness _freshness;
    private readonly PermissionCommands _commands;
    private readonly PermissionQueries _queries;

    public QueryTests()
    {
        _chain = new FakeChain(_clock).WithPatient(Alice).WithPatient(Bob).WithDoctor(DrSmith).WithDoctor(DrJones);
        _model = new PermissionReadModel(new InMemoryReadModelJournal(), _clock, TimeSpan.FromDays(7));
        _freshness = new ReadModelFreshness(_clock);
        _commands = new PermissionCommands(_chain, new FakeSigners(), _model, _clock);
        _queries = new PermissionQueries(_model, _freshness, _chain, _clock);
    }

    [Fact]
    public async Task The_patient_the_doctor_and_services_may_ask_but_no_one_else()
    {
        await _commands.GrantPermissionAsync(Patient, DrSmith, null, default);

        Assert.True(_queries.HasPermission(Patient, Alice, DrSmith).HasPermission);
        Assert.True(_queries.HasPermission(Doctor, Alice, DrSmith).HasPermission);
        Assert.True(_queries.HasPermission(Records, Alice, DrSmith).HasPermission);
        Assert.Equal(StatusCode.PermissionDenied, Assert.Throws<RpcException>(() => _queries.HasPermission(new Actor(Bob, Actor.PatientRole), Alice, DrSmith)).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, Assert.Throws<RpcException>(() => _queries.HasPermission(new Actor(DrJones, Actor.DoctorRole), Alice, DrSmith)).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, Assert.Throws<RpcException>(() => _queries.HasPermission(Records, "alice", DrSmith)).StatusCode);
    }

    [Fact]
    public async Task A_read_model_check_takes_well_under_a_millisecond()
    {
        await _commands.GrantPermissionAsync(Patient, DrSmith, null, default);
        const int checks = 20_000;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < checks; i++)
        {
            Assert.True(_queries.HasPermission(Records, Alice, DrSmith).HasPermission);
        }

        // Typically well below 5 µs each; the bound leaves room for a busy shared machine.
        Assert.True(watch.Elapsed / checks < TimeSpan.FromMicroseconds(100), $"{watch.Elapsed / checks} per check");
    }

    [Fact]
    public async Task An_expired_grant_is_not_live_even_before_anyone_announces_it()
    {
        await _commands.GrantPermissionAsync(Patient, DrSmith, _clock.Now.AddMinutes(10), default);
        _clock.Advance(TimeSpan.FromMinutes(10));

        Assert.False(_queries.HasPermission(Doctor, Alice, DrSmith).HasPermission);
        Assert.False((await _queries.HasPermissionOnChainAsync(Doctor, Alice, DrSmith, default)).HasPermission);
    }

    [Fact]
    public async Task The_chain_answer_is_never_stale_and_names_the_grant()
    {
        var granted = await _commands.GrantPermissionAsync(Patient, DrSmith, null, default);

        var answer = await _queries.HasPermissionOnChainAsync(Records, Alice, DrSmith, default);

        Assert.True(answer.HasPermission);
        Assert.Equal(TimeSpan.Zero, answer.MaxStaleness);
        Assert.Equal(granted.Grant.GrantId, answer.Grant!.GrantId);
        Assert.Equal(_chain.Height, answer.AsOfBlock);
    }

    [Fact]
    public async Task Grantees_are_for_the_patient_themselves_or_a_service()
    {
        await _commands.GrantPermissionAsync(Patient, DrSmith, null, default);

        Assert.Single(_queries.GetGrantees(Patient, string.Empty).Grants);
        Assert.Single(_queries.GetGrantees(Records, Alice).Grants);
        Assert.Equal(StatusCode.PermissionDenied, Assert.Throws<RpcException>(() => _queries.GetGrantees(Doctor, Alice)).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, Assert.Throws<RpcException>(() => _queries.GetGrantees(new Actor(Bob, Actor.PatientRole), Alice)).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, Assert.Throws<RpcException>(() => _queries.GetGrantees(Records, string.Empty)).StatusCode);
    }

    [Fact]
    public async Task Pending_requests_page_oldest_first()
    {
        for (var i = 0; i < 5; i++)
        {
            _chain.WithDoctor(Of("doctor" + i));
            _clock.Advance(TimeSpan.FromSeconds(1));
            await _commands.RequestAccessAsync(new Actor(Of("doctor" + i), Actor.DoctorRole), Alice, string.Empty, default);
        }

        var first = _queries.ListPendingRequests(Patient, 2, string.Empty);
        var second = _queries.ListPendingRequests(Patient, 2, first.NextPageToken);
        var third = _queries.ListPendingRequests(Patient, 2, second.NextPageToken);

        Assert.Equal([.. Enumerable.Range(0, 5).Select(i => Of("doctor" + i))], first.Requests.Concat(second.Requests).Concat(third.Requests).Select(r => r.Doctor));
        Assert.Equal(string.Empty, third.NextPageToken);
        Assert.Equal(StatusCode.InvalidArgument, Assert.Throws<RpcException>(() => _queries.ListPendingRequests(Patient, 201, string.Empty)).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, Assert.Throws<RpcException>(() => _queries.ListPendingRequests(Patient, 0, "bogus")).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, Assert.Throws<RpcException>(() => _queries.ListPendingRequests(Doctor, 0, string.Empty)).StatusCode);
    }

    [Fact]
    public async Task Staleness_is_the_time_since_the_model_was_last_confirmed_caught_up()
    {
        var probe = new FreshnessProbe(_chain, _model, _freshness, _clock);
        await _commands.GrantPermissionAsync(Patient, DrSmith, null, default);

        Assert.True(await probe.ProbeAsync(default));
        _clock.Advance(TimeSpan.FromMilliseconds(700));
        var answer = _queries.HasPermission(Doctor, Alice, DrSmith);

        Assert.Equal(TimeSpan.FromMilliseconds(700), answer.MaxStaleness);
        Assert.Equal(_chain.Height, answer.AsOfBlock);
    }

    [Fact]
    public async Task A_permission_write_the_model_has_not_seen_holds_back_confirmation()
    {
        var probe = new FreshnessProbe(_chain, _model, _freshness, _clock);
        var blindModel = new PermissionReadModel(new InMemoryReadModelJournal(), _clock, TimeSpan.FromDays(7));
        await new PermissionCommands(_chain, new FakeSigners(), blindModel, _clock).GrantPermissionAsync(Patient, DrSmith, null, default);

        Assert.False(await probe.ProbeAsync(default));

        // Once the follower has passed that block, it is complete.
        _freshness.FollowerReached(new ChainPosition(_chain.Height + 1, 0), _clock.Now);
        Assert.True(await probe.ProbeAsync(default));
    }
}

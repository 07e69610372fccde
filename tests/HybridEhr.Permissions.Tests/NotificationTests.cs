using Grpc.Core;
using HybridEhr.Permissions.Domain;
using HybridEhr.Permissions.Notifications;
using static HybridEhr.Permissions.Tests.Accounts;

namespace HybridEhr.Permissions.Tests;

public sealed class NotificationTests
{
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero));
    private readonly EventFactory _chain;
    private readonly NotificationHub _hub = new();
    private readonly PermissionReadModel _model;
    private readonly NotificationFeed _feed;

    public NotificationTests()
    {
        _chain = new EventFactory(_clock);
        _model = new PermissionReadModel(new InMemoryReadModelJournal("epoch1"), _clock, TimeSpan.FromDays(7), _hub);
        _feed = new NotificationFeed(_model, _hub);
    }

    [Fact]
    public void Each_party_hears_only_what_concerns_them()
    {
        _model.ApplyChainEvent(_chain.Requested(Alice, DrSmith));
        foreach (var e in _chain.Approved(Alice, DrSmith))
        {
            _model.ApplyChainEvent(e);
        }

        _model.ApplyChainEvent(_chain.Requested(Alice, DrJones));
        _model.ApplyChainEvent(_chain.Denied(Alice, DrJones));
        _model.ApplyChainEvent(_chain.Granted(Bob, DrSmith));
        _model.ApplyChainEvent(_chain.Revoked(Alice, DrSmith));

        Assert.Equal([NotificationKind.RequestReceived, NotificationKind.RequestReceived], Kinds(Alice));
        Assert.Equal([NotificationKind.Approved, NotificationKind.Granted, NotificationKind.Revoked], Kinds(DrSmith));
        Assert.Equal([NotificationKind.Denied], Kinds(DrJones));
        Assert.Empty(Kinds(Bob));
    }

    [Fact]
    public void Revoking_an_already_expired_grant_does_not_notify()
    {
        _model.ApplyChainEvent(_chain.Granted(Alice, DrSmith, _clock.Now.AddMinutes(1)));
        _clock.Advance(TimeSpan.FromMinutes(2));
        _model.ApplyChainEvent(_chain.Revoked(Alice, DrSmith, wasLive: false));

        Assert.Equal([NotificationKind.Granted], Kinds(DrSmith));
    }

    [Fact]
    public void A_cursor_round_trips_for_its_account_only()
    {
        var cursor = NotificationCursor.Format("epoch1", 42, Alice);

        Assert.Equal(CursorCheck.Valid, NotificationCursor.TryParse(cursor, "epoch1", Alice, out var sequence));
        Assert.Equal(42, sequence);
        Assert.Equal(CursorCheck.Invalid, NotificationCursor.TryParse(cursor, "epoch1", Bob, out _));
        Assert.Equal(CursorCheck.OutOfRange, NotificationCursor.TryParse(cursor, "epoch2", Alice, out _));
        Assert.Equal(CursorCheck.Invalid, NotificationCursor.TryParse("not a cursor!", "epoch1", Alice, out _));
    }

    [Fact]
    public void Bad_cursors_fail_with_the_documented_statuses()
    {
        _model.ApplyChainEvent(_chain.Granted(Alice, DrSmith));

        Assert.Equal(StatusCode.InvalidArgument, Assert.Throws<RpcException>(() => _feed.StartAfter(DrSmith, "garbage")).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument,
            Assert.Throws<RpcException>(() => _feed.StartAfter(DrSmith, NotificationCursor.Format("epoch1", 99, DrSmith))).StatusCode);
        Assert.Equal(StatusCode.OutOfRange,
            Assert.Throws<RpcException>(() => _feed.StartAfter(DrSmith, NotificationCursor.Format("old-epoch", 1, DrSmith))).StatusCode);
    }

    [Fact]
    public void A_cursor_older_than_the_kept_window_is_out_of_range()
    {
        _model.ApplyChainEvent(_chain.Granted(Alice, DrSmith));
        var cursor = _feed.CursorOf(_model.NotificationsAfter(DrSmith, 0, 1)[0]);
        _model.ApplyChainEvent(_chain.Granted(Alice, DrJones));
        _clock.Advance(TimeSpan.FromDays(8));
        _model.ApplyChainEvent(_chain.Granted(Bob, DrSmith));

        Assert.Equal(StatusCode.OutOfRange, Assert.Throws<RpcException>(() => _feed.StartAfter(DrSmith, cursor)).StatusCode);
    }

    [Fact]
    public async Task Watching_replays_after_the_cursor_then_delivers_live_ones_in_order()
    {
        _model.ApplyChainEvent(_chain.Granted(Alice, DrSmith));
        _model.ApplyChainEvent(_chain.Revoked(Alice, DrSmith));
        var firstCursor = _feed.CursorOf(_model.NotificationsAfter(DrSmith, 0, 1)[0]);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var stream = _feed.WatchAsync(DrSmith, _feed.StartAfter(DrSmith, firstCursor), timeout.Token).GetAsyncEnumerator(timeout.Token);

        Assert.True(await stream.MoveNextAsync());
        Assert.Equal(NotificationKind.Revoked, stream.Current.Kind);

        var next = stream.MoveNextAsync();
        Assert.False(next.IsCompleted);
        _model.ApplyChainEvent(_chain.Granted(Bob, DrJones)); // someone else's: must not wake this stream with data
        _model.ApplyChainEvent(_chain.Granted(Alice, DrSmith, _clock.Now.AddDays(1)));

        Assert.True(await next);
        Assert.Equal(NotificationKind.Granted, stream.Current.Kind);
        Assert.Equal(Alice, stream.Current.Patient);
    }

    [Fact]
    public async Task Watching_without_a_cursor_starts_from_now()
    {
        _model.ApplyChainEvent(_chain.Granted(Alice, DrSmith));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var stream = _feed.WatchAsync(DrSmith, _feed.StartAfter(DrSmith, string.Empty), timeout.Token).GetAsyncEnumerator(timeout.Token);

        var next = stream.MoveNextAsync();
        _model.ApplyChainEvent(_chain.Revoked(Alice, DrSmith));

        Assert.True(await next);
        Assert.Equal(NotificationKind.Revoked, stream.Current.Kind);
    }

    private List<NotificationKind> Kinds(string account) => [.. _model.NotificationsAfter(account, 0, 100).Select(n => n.Kind)];
}

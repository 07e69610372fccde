using HybridEhr.Contracts.Events;
using HybridEhr.Permissions.Domain;
using HybridEhr.Permissions.Notifications;
using static HybridEhr.Permissions.Tests.Accounts;

namespace HybridEhr.Permissions.Tests;

public sealed class ReadModelTests
{
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero));
    private readonly InMemoryReadModelJournal _journal = new();
    private readonly EventFactory _chain;
    private readonly PermissionReadModel _model;

    public ReadModelTests()
    {
        _chain = new EventFactory(_clock);
        _model = new PermissionReadModel(_journal, _clock, TimeSpan.FromDays(7));
    }

    [Fact]
    public void A_request_is_pending_for_the_patient_and_notifies_only_the_patient()
    {
        _model.ExpectReason(ChainEventNames.AccessRequested, Alice, DrSmith, "follow-up of your fracture");
        var outcome = _model.ApplyChainEvent(_chain.Requested(Alice, DrSmith));

        var pending = Assert.Single(_model.PendingRequests(Alice, null, 10));
        Assert.Equal(DrSmith, pending.Doctor);
        Assert.Equal("follow-up of your fracture", pending.Reason);
        var notification = Assert.Single(outcome.Notifications);
        Assert.Equal((Alice, NotificationKind.RequestReceived, pending.RequestId), (notification.Recipient, notification.Kind, notification.RequestId));
        Assert.Empty(_model.NotificationsAfter(DrSmith, 0, 10));
        Assert.IsType<AccessRequested>(Assert.Single(outcome.IntegrationEvents));
    }

    [Fact]
    public void Approval_grants_with_expiry_and_the_grant_stops_being_live_at_the_expiry()
    {
        _model.ApplyChainEvent(_chain.Requested(Alice, DrSmith));
        var expiresAt = _clock.Now.AddHours(1);
        var approval = _chain.Approved(Alice, DrSmith, expiresAt);
        var outcome = _model.ApplyChainEvent(approval[0]);

        var grant = _model.FindLiveGrant(Alice, DrSmith, _clock.Now);
        Assert.NotNull(grant);
        Assert.Equal(expiresAt, grant.ExpiresAt);
        Assert.NotNull(grant.RequestId);
        Assert.Empty(_model.PendingRequests(Alice, null, 10));
        Assert.Equal([typeof(AccessApproved), typeof(PermissionGranted)], outcome.IntegrationEvents.Select(e => e.GetType()));
        Assert.Equal(NotificationKind.Approved, Assert.Single(outcome.Notifications).Kind);

        // The approval's own PermissionGranted event (same transaction) changes nothing and notifies nobody.
        Assert.False(_model.ApplyChainEvent(approval[1]).Changed);

        Assert.NotNull(_model.FindLiveGrant(Alice, DrSmith, expiresAt.AddMilliseconds(-1)));
        Assert.Null(_model.FindLiveGrant(Alice, DrSmith, expiresAt));
        Assert.Empty(_model.LiveGrants(Alice, expiresAt));
    }

    [Fact]
    public void A_revoke_ends_the_grant_and_notifies_the_doctor()
    {
        _model.ApplyChainEvent(_chain.Granted(Alice, DrSmith));
        var grantId = _model.FindLiveGrant(Alice, DrSmith, _clock.Now)!.GrantId;

        var outcome = _model.ApplyChainEvent(_chain.Revoked(Alice, DrSmith));

        Assert.Null(_model.FindLiveGrant(Alice, DrSmith, _clock.Now));
        var notification = Assert.Single(outcome.Notifications);
        Assert.Equal((DrSmith, NotificationKind.Revoked, grantId), (notification.Recipient, notification.Kind, notification.GrantId));
        Assert.Equal(grantId, Assert.IsType<PermissionRevoked>(Assert.Single(outcome.IntegrationEvents)).GrantId);
    }

    [Fact]
    public void The_same_event_applied_twice_changes_nothing_the_second_time()
    {
        var granted = _chain.Granted(Alice, DrSmith);
        Assert.True(_model.ApplyChainEvent(granted).Changed);
        var journalled = _journal.Entries.Count;

        var again = _model.ApplyChainEvent(granted);

        Assert.False(again.Changed);
        Assert.Empty(again.Notifications);
        Assert.Equal(journalled, _journal.Entries.Count);
        Assert.Single(_model.NotificationsAfter(DrSmith, 0, 10));
    }

    [Fact]
    public void An_older_event_arriving_after_a_newer_one_is_ignored()
    {
        var granted = _chain.Granted(Alice, DrSmith);
        var revoked = _chain.Revoked(Alice, DrSmith);

        _model.ApplyChainEvent(revoked); // this service applied its own revoke before the follower caught up
        _model.ApplyChainEvent(granted);

        Assert.Null(_model.FindLiveGrant(Alice, DrSmith, _clock.Now));
    }

    [Fact]
    public void A_regrant_of_a_live_grant_keeps_its_id_and_a_grant_after_a_revoke_gets_a_new_one()
    {
        _model.ApplyChainEvent(_chain.Granted(Alice, DrSmith));
        var first = _model.FindLiveGrant(Alice, DrSmith, _clock.Now)!;
        _clock.Advance(TimeSpan.FromMinutes(1));
        _model.ApplyChainEvent(_chain.Granted(Alice, DrSmith, _clock.Now.AddDays(1)));
        var regranted = _model.FindLiveGrant(Alice, DrSmith, _clock.Now)!;

        Assert.Equal(first.GrantId, regranted.GrantId);
        Assert.NotEqual(first.TxId, regranted.TxId);

        _model.ApplyChainEvent(_chain.Revoked(Alice, DrSmith));
        _model.ApplyChainEvent(_chain.Granted(Alice, DrSmith));
        Assert.NotEqual(first.GrantId, _model.FindLiveGrant(Alice, DrSmith, _clock.Now)!.GrantId);
    }

    [Fact]
    public void A_denial_records_the_patients_reason_and_notifies_the_doctor()
    {
        _model.ApplyChainEvent(_chain.Requested(Alice, DrSmith));
        _model.ExpectReason(ChainEventNames.AccessDenied, Alice, DrSmith, "not my doctor");
        var outcome = _model.ApplyChainEvent(_chain.Denied(Alice, DrSmith));

        var notification = Assert.Single(outcome.Notifications);
        Assert.Equal((DrSmith, NotificationKind.Denied, "not my doctor"), (notification.Recipient, notification.Kind, notification.Reason));
        Assert.Equal(RequestStatus.Denied, _model.CurrentRequest(Alice, DrSmith)!.Status);
    }

    [Fact]
    public void Asking_again_after_a_denial_opens_a_new_request_round()
    {
        _model.ApplyChainEvent(_chain.Requested(Alice, DrSmith));
        var first = _model.CurrentRequest(Alice, DrSmith)!;
        _model.ApplyChainEvent(_chain.Denied(Alice, DrSmith));
        _clock.Advance(TimeSpan.FromSeconds(5));
        _model.ApplyChainEvent(_chain.Requested(Alice, DrSmith));

        var second = _model.CurrentRequest(Alice, DrSmith)!;
        Assert.NotEqual(first.RequestId, second.RequestId);
        Assert.Equal(RequestStatus.Denied, _model.FindRequest(first.RequestId)!.Status);
        Assert.Equal(RequestStatus.Pending, second.Status);
    }

    [Fact]
    public void Expiry_is_announced_once_to_both_parties()
    {
        _model.ApplyChainEvent(_chain.Granted(Alice, DrSmith, _clock.Now.AddMinutes(5)));
        Assert.Empty(_model.DueExpiries(_clock.Now));

        _clock.Advance(TimeSpan.FromMinutes(5));
        var due = Assert.Single(_model.DueExpiries(_clock.Now));
        var outcome = _model.MarkExpired(due);

        Assert.Equal([(Alice, NotificationKind.Expired), (DrSmith, NotificationKind.Expired)], outcome.Notifications.Select(n => (n.Recipient, n.Kind)));
        Assert.Empty(_model.DueExpiries(_clock.Now));
        Assert.False(_model.MarkExpired(due).Changed);
    }

    [Fact]
    public void Replaying_the_journal_rebuilds_the_same_state_ids_and_notification_log()
    {
        _model.ApplyChainEvent(_chain.Requested(Alice, DrSmith));
        foreach (var e in _chain.Approved(Alice, DrSmith, _clock.Now.AddHours(2)))
        {
            _model.ApplyChainEvent(e);
        }

        _model.ApplyChainEvent(_chain.Requested(Bob, DrJones));
        _model.ApplyChainEvent(_chain.Granted(Bob, DrSmith));
        _model.ApplyChainEvent(_chain.Revoked(Bob, DrSmith));

        var rebuilt = new PermissionReadModel(_journal, _clock, TimeSpan.FromDays(7));

        Assert.Equal(_model.FindLiveGrant(Alice, DrSmith, _clock.Now), rebuilt.FindLiveGrant(Alice, DrSmith, _clock.Now));
        Assert.Null(rebuilt.FindLiveGrant(Bob, DrSmith, _clock.Now));
        Assert.Equal(_model.PendingRequests(Bob, null, 10), rebuilt.PendingRequests(Bob, null, 10));
        Assert.Equal(_model.NotificationsAfter(DrSmith, 0, 100), rebuilt.NotificationsAfter(DrSmith, 0, 100));
        Assert.Equal(_model.NotificationWindow, rebuilt.NotificationWindow);
    }

    [Fact]
    public void Rebuilding_from_the_chain_events_alone_gives_the_same_ids()
    {
        var events = new List<PermissionChainEvent> { _chain.Requested(Alice, DrSmith) };
        events.AddRange(_chain.Approved(Alice, DrSmith));
        events.Add(_chain.Granted(Bob, DrJones));
        foreach (var e in events)
        {
            _model.ApplyChainEvent(e);
        }

        var fromBlockOne = new PermissionReadModel(new InMemoryReadModelJournal("other"), _clock, TimeSpan.FromDays(7));
        foreach (var e in events)
        {
            fromBlockOne.ApplyChainEvent(e);
        }

        Assert.Equal(_model.LiveGrants(Alice, _clock.Now), fromBlockOne.LiveGrants(Alice, _clock.Now));
        Assert.Equal(_model.LiveGrants(Bob, _clock.Now), fromBlockOne.LiveGrants(Bob, _clock.Now));
    }

    [Fact]
    public void Integration_events_are_handed_out_once_with_ids_derived_from_the_transaction()
    {
        var granted = _chain.Granted(Alice, DrSmith);
        _model.ApplyChainEvent(granted);

        var published = Assert.Single(_model.TakeIntegrationEvents(granted.Key));
        Assert.Empty(_model.TakeIntegrationEvents(granted.Key));
        Assert.Equal(PermissionIds.Event(granted.Key), published.EventId);
        Assert.Equal(granted.BlockTime, published.OccurredAt);
    }

    [Fact]
    public void Grantees_are_listed_newest_first_without_expired_or_revoked_ones()
    {
        _model.ApplyChainEvent(_chain.Granted(Alice, DrSmith));
        _clock.Advance(TimeSpan.FromMinutes(1));
        _model.ApplyChainEvent(_chain.Granted(Alice, DrJones));
        _model.ApplyChainEvent(_chain.Granted(Alice, Bob, _clock.Now.AddMinutes(2)));
        _clock.Advance(TimeSpan.FromMinutes(3));

        Assert.Equal([DrJones, DrSmith], _model.LiveGrants(Alice, _clock.Now).Select(g => g.Doctor));
    }
}

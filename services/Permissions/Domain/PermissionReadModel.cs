using System.Text.Json.Nodes;
using HybridEhr.Contracts.Events;
using HybridEhr.Permissions.Notifications;

namespace HybridEhr.Permissions.Domain;

/// <summary>Told when notifications were appended (the live hub wakes the streams of their recipients).</summary>
public interface INotificationListener
{
    void Appended(IReadOnlyList<PermissionNotification> notifications);
}

/// <summary>What applying one input did.</summary>
/// <param name="Changed">False for a duplicate, a stale event (an older change of a pair already superseded), or
/// an unknown event.</param>
public sealed record ApplyOutcome(bool Changed, IReadOnlyList<IIntegrationEvent> IntegrationEvents, IReadOnlyList<PermissionNotification> Notifications)
{
    public static readonly ApplyOutcome Nothing = new(false, [], []);
}

/// <summary>
/// The permission chain's requests and grants, held in memory and fed by chain events (from the follower, and from
/// this service's own committed transactions so that its writes are visible at once). Every input is written to the
/// journal before it becomes visible; replaying the journal rebuilds the same state, notifications and ids.
/// Idempotent: an event applied twice, or an older event of a pair arriving after a newer one, changes nothing.
/// Liveness of grants is judged against the clock at read time, so an expired grant is never reported live.
/// Reads take one short lock and touch a few dictionary entries: well under a millisecond.
/// </summary>
public sealed class PermissionReadModel
{
    private readonly object _writeGate = new();
    private readonly object _state = new();
    private readonly IReadModelJournal _journal;
    private readonly TimeProvider _time;
    private readonly INotificationListener? _listener;
    private readonly NotificationLog _log;
    private readonly Dictionary<string, Dictionary<string, PairState>> _byPatient = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AccessRequestRecord> _requestsById = new(StringComparer.Ordinal);
    private readonly HashSet<string> _appliedEventKeys = new(StringComparer.Ordinal);
    private readonly HashSet<string> _knownTxIds = new(StringComparer.Ordinal);
    private readonly SortedSet<(DateTimeOffset ExpiresAt, string Patient, string Doctor)> _expiring = new();
    private readonly Dictionary<string, (ChainPosition Position, IReadOnlyList<IIntegrationEvent> Events)> _integrationEventsByKey = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Kind, string Patient, string Doctor), string> _expectedReasons = new();
    private readonly bool _replaying;

    public PermissionReadModel(IReadModelJournal journal, TimeProvider time, TimeSpan notificationRetention, INotificationListener? listener = null)
    {
        _journal = journal;
        _time = time;
        _listener = listener;
        _log = new NotificationLog(journal.Epoch, notificationRetention);
        _replaying = true;
        foreach (var entry in journal.ReadAll())
        {
            Apply(entry);
        }

        _replaying = false;
    }

    public string NotificationEpoch => _log.Epoch;

    // ---- writes ----------------------------------------------------------------------------------------------

    /// <summary>
    /// Remembers the free text a caller attached to a request or a denial: the chain does not carry it, so it is
    /// joined to the chain event when that arrives (from whichever path comes first).
    /// </summary>
    public void ExpectReason(string eventName, string patient, string doctor, string reason)
    {
        lock (_writeGate)
        {
            _expectedReasons[(eventName, patient, doctor)] = reason;
        }
    }

    public void ForgetExpectedReason(string eventName, string patient, string doctor)
    {
        lock (_writeGate)
        {
            _expectedReasons.Remove((eventName, patient, doctor));
        }
    }

    /// <summary>Applies one committed access_control event (at most once).</summary>
    public ApplyOutcome ApplyChainEvent(PermissionChainEvent chainEvent)
    {
        lock (_writeGate)
        {
            if (_appliedEventKeys.Contains(chainEvent.Key))
            {
                return ApplyOutcome.Nothing;
            }

            string? reason = null;
            if (chainEvent.Name is ChainEventNames.AccessRequested or ChainEventNames.AccessDenied
                && TryReadPair(chainEvent, out var patient, out var doctor)
                && _expectedReasons.Remove((chainEvent.Name, patient, doctor), out var expected))
            {
                reason = expected;
            }

            return Apply(new ChainEventEntry(chainEvent, reason));
        }
    }

    /// <summary>Records that a transaction committed without events (an idempotent call), for freshness checks.</summary>
    public void NoteEventlessTransaction(string txId)
    {
        lock (_state)
        {
            _knownTxIds.Add(txId);
        }
    }

    /// <summary>
    /// The integration events an applied chain event produced (whichever path applied it), handed out once: the
    /// follower publishes them in chain order.
    /// </summary>
    public IReadOnlyList<IIntegrationEvent> TakeIntegrationEvents(string eventKey)
    {
        lock (_writeGate)
        {
            return _integrationEventsByKey.Remove(eventKey, out var entry) ? entry.Events : [];
        }
    }

    /// <summary>Drops what the follower already published before a restart (everything up to its checkpoint).</summary>
    public void ForgetIntegrationEventsThrough(ChainPosition checkpoint)
    {
        lock (_writeGate)
        {
            foreach (var key in _integrationEventsByKey.Where(e => e.Value.Position <= checkpoint).Select(e => e.Key).ToList())
            {
                _integrationEventsByKey.Remove(key);
            }
        }
    }

    /// <summary>Grants whose expiry has come and that have not been announced yet.</summary>
    public IReadOnlyList<GrantRecord> DueExpiries(DateTimeOffset now)
    {
        lock (_state)
        {
            var due = new List<GrantRecord>();
            foreach (var (expiresAt, patient, doctor) in _expiring)
            {
                if (expiresAt > now)
                {
                    break;
                }

                if (FindPair(patient, doctor)?.Grant is { } grant)
                {
                    due.Add(grant);
                }
            }

            return due;
        }
    }

    /// <summary>Announces that <paramref name="grant"/> expired (once; nothing if it was replaced or revoked since).</summary>
    public ApplyOutcome MarkExpired(GrantRecord grant)
    {
        lock (_writeGate)
        {
            return Apply(new ExpiryEntry(grant.Patient, grant.Doctor, grant.GrantId, grant.ExpiresAt ?? _time.GetUtcNow()));
        }
    }

    private ApplyOutcome Apply(JournalEntry entry)
    {
        var plan = entry switch
        {
            ChainEventEntry chain => PlanChainEvent(chain),
            ExpiryEntry expiry => PlanExpiry(expiry),
            _ => null,
        };
        if (plan is null)
        {
            if (entry is ChainEventEntry ignored)
            {
                lock (_state)
                {
                    _appliedEventKeys.Add(ignored.Event.Key);
                    _knownTxIds.Add(ignored.Event.TxId);
                }
            }

            return ApplyOutcome.Nothing;
        }

        if (!_replaying)
        {
            _journal.Append(entry);
        }

        List<PermissionNotification> appended = [];
        lock (_state)
        {
            foreach (var (patient, doctor, pair) in plan.Pairs)
            {
                SetPair(patient, doctor, pair);
            }

            foreach (var request in plan.Requests)
            {
                _requestsById[request.RequestId] = request;
            }

            foreach (var key in plan.EventKeys)
            {
                _appliedEventKeys.Add(key);
            }

            if (entry is ChainEventEntry applied)
            {
                _knownTxIds.Add(applied.Event.TxId);
            }

            foreach (var notification in plan.Notifications)
            {
                appended.Add(_log.Append(notification));
            }

            _log.Prune(_time.GetUtcNow());
        }

        foreach (var (key, events) in plan.IntegrationEvents)
        {
            _integrationEventsByKey[key] = (((ChainEventEntry)entry).Event.Position, events);
        }

        if (!_replaying && appended.Count > 0)
        {
            _listener?.Appended(appended);
        }

        var all = plan.IntegrationEvents.SelectMany(e => e.Events).ToList();
        return new ApplyOutcome(true, all, appended);
    }

    private sealed class Plan
    {
        public List<(string Patient, string Doctor, PairState Pair)> Pairs { get; } = [];

        public List<AccessRequestRecord> Requests { get; } = [];

        public List<string> EventKeys { get; } = [];

        public List<PermissionNotification> Notifications { get; } = [];

        public List<(string Key, IReadOnlyList<IIntegrationEvent> Events)> IntegrationEvents { get; } = [];
    }

    private Plan? PlanChainEvent(ChainEventEntry entry)
    {
        var e = entry.Event;
        if (!TryReadPair(e, out var patient, out var doctor))
        {
            return null;
        }

        var payload = JsonNode.Parse(e.PayloadJson)!.AsObject();
        var pair = FindPair(patient, doctor) ?? PairState.Empty;
        var plan = new Plan();
        plan.EventKeys.Add(e.Key);
        switch (e.Name)
        {
            case ChainEventNames.AccessRequested:
            {
                if (pair.RequestPosition >= e.Position)
                {
                    return null;
                }

                var request = new AccessRequestRecord(PermissionIds.Request(patient, doctor, e.BlockTimestampMs), patient, doctor,
                    entry.Reason ?? string.Empty, RequestStatus.Pending, e.BlockTime, null, string.Empty, e.TxId);
                plan.Pairs.Add((patient, doctor, pair with { Request = request, RequestPosition = e.Position }));
                plan.Requests.Add(request);
                plan.Notifications.Add(Notify(patient, NotificationKind.RequestReceived, e.BlockTime, patient, doctor, request.RequestId, reason: request.Reason));
                plan.IntegrationEvents.Add((e.Key, [new AccessRequested(PermissionIds.Event(e.Key), e.BlockTime, request.RequestId, patient, doctor, e.TxId)]));
                return plan;
            }

            case ChainEventNames.AccessDenied:
            {
                if (pair.RequestPosition >= e.Position || pair.Request is not { Status: RequestStatus.Pending } pending)
                {
                    return null;
                }

                var denied = pending with { Status = RequestStatus.Denied, DecidedAt = e.BlockTime, DenialReason = entry.Reason ?? string.Empty };
                plan.Pairs.Add((patient, doctor, pair with { Request = denied, RequestPosition = e.Position }));
                plan.Requests.Add(denied);
                plan.Notifications.Add(Notify(doctor, NotificationKind.Denied, e.BlockTime, patient, doctor, denied.RequestId, reason: denied.DenialReason));
                plan.IntegrationEvents.Add((e.Key, [new AccessDenied(PermissionIds.Event(e.Key), e.BlockTime, denied.RequestId, patient, doctor, e.TxId)]));
                return plan;
            }

            case ChainEventNames.AccessApproved:
            {
                // approve_access also grants; its PermissionGranted event (same transaction) is folded in here, so the
                // model is right even when only the first event of the transaction reaches it.
                var expiresAt = ReadExpiry(payload);
                var next = pair;
                string? requestId = null;
                if (pair.RequestPosition < e.Position && pair.Request is { Status: RequestStatus.Pending } pending)
                {
                    var approved = pending with { Status = RequestStatus.Approved, DecidedAt = e.BlockTime };
                    next = next with { Request = approved, RequestPosition = e.Position };
                    plan.Requests.Add(approved);
                    requestId = approved.RequestId;
                }

                requestId ??= pair.Request?.RequestId ?? string.Empty;
                var grantedKey = e.TxId + ":" + ChainEventNames.PermissionGranted;
                var grant = PlanGrant(ref next, patient, doctor, expiresAt, requestId, e, out var grantChanged);
                if (next == pair)
                {
                    return null;
                }

                plan.Pairs.Add((patient, doctor, next));
                var grantId = grant?.GrantId ?? string.Empty;
                plan.Notifications.Add(Notify(doctor, NotificationKind.Approved, e.BlockTime, patient, doctor, requestId, grantId, expiresAt));
                plan.IntegrationEvents.Add((e.Key, [new AccessApproved(PermissionIds.Event(e.Key), e.BlockTime, requestId, patient, doctor, grantId, expiresAt, e.TxId)]));
                if (grantChanged && grant is not null)
                {
                    plan.EventKeys.Add(grantedKey);
                    plan.IntegrationEvents.Add((grantedKey, [new PermissionGranted(PermissionIds.Event(grantedKey), e.BlockTime, grant.GrantId,
                        patient, doctor, requestId, expiresAt, e.TxId)]));
                }

                return plan;
            }

            case ChainEventNames.PermissionGranted:
            {
                var next = pair;
                var grant = PlanGrant(ref next, patient, doctor, ReadExpiry(payload), null, e, out var grantChanged);
                if (!grantChanged || grant is null)
                {
                    return null;
                }

                plan.Pairs.Add((patient, doctor, next));
                plan.Notifications.Add(Notify(doctor, NotificationKind.Granted, e.BlockTime, patient, doctor, grantId: grant.GrantId, expiresAt: grant.ExpiresAt));
                plan.IntegrationEvents.Add((e.Key, [new PermissionGranted(PermissionIds.Event(e.Key), e.BlockTime, grant.GrantId, patient, doctor,
                    grant.RequestId, grant.ExpiresAt, e.TxId)]));
                return plan;
            }

            case ChainEventNames.PermissionRevoked:
            {
                if (pair.GrantPosition >= e.Position)
                {
                    return null;
                }

                var wasLive = payload["was_live"]?.GetValue<bool>() ?? pair.Grant?.IsLiveAt(e.BlockTime) == true;
                var grantId = pair.Grant?.GrantId ?? PermissionIds.Grant(patient, doctor, e.TxId);
                var revoked = pair.Grant ?? new GrantRecord(grantId, patient, doctor, null, e.BlockTime, null, e.TxId);
                plan.Pairs.Add((patient, doctor, pair with
                {
                    Grant = null, GrantPosition = e.Position, ExpiryAnnounced = false, LastRevocation = new Revocation(revoked, e.BlockTime, e.TxId, wasLive),
                }));
                if (wasLive)
                {
                    plan.Notifications.Add(Notify(doctor, NotificationKind.Revoked, e.BlockTime, patient, doctor, grantId: grantId));
                }

                plan.IntegrationEvents.Add((e.Key, [new PermissionRevoked(PermissionIds.Event(e.Key), e.BlockTime, grantId, patient, doctor, e.TxId)]));
                return plan;
            }

            default:
                return null;
        }
    }

    /// <summary>
    /// The grant rule of the contract: the identical live grant changes nothing; otherwise the grant is (re)placed
    /// with the block time as granted_at. A re-grant of a live grant keeps its id; after a revoke or expiry it is new.
    /// </summary>
    private static GrantRecord? PlanGrant(ref PairState pair, string patient, string doctor, DateTimeOffset? expiresAt, string? requestId,
        PermissionChainEvent e, out bool changed)
    {
        changed = false;
        if (pair.GrantPosition >= e.Position)
        {
            return pair.Grant;
        }

        var existing = pair.Grant;
        var existingLive = existing is not null && existing.IsLiveAt(e.BlockTime);
        if (existingLive && existing!.ExpiresAt == expiresAt)
        {
            return existing;
        }

        var grant = new GrantRecord(
            existingLive ? existing!.GrantId : PermissionIds.Grant(patient, doctor, e.TxId),
            patient,
            doctor,
            requestId is { Length: > 0 } ? requestId : existingLive ? existing!.RequestId : null,
            e.BlockTime,
            expiresAt,
            e.TxId);
        pair = pair with { Grant = grant, GrantPosition = e.Position, ExpiryAnnounced = false };
        changed = true;
        return grant;
    }

    private Plan? PlanExpiry(ExpiryEntry expiry)
    {
        var pair = FindPair(expiry.Patient, expiry.Doctor);
        if (pair?.Grant is not { } grant || grant.GrantId != expiry.GrantId || pair.ExpiryAnnounced || grant.ExpiresAt is null)
        {
            return null;
        }

        var plan = new Plan();
        plan.Pairs.Add((expiry.Patient, expiry.Doctor, pair with { ExpiryAnnounced = true }));
        foreach (var recipient in new[] { expiry.Patient, expiry.Doctor })
        {
            plan.Notifications.Add(Notify(recipient, NotificationKind.Expired, grant.ExpiresAt.Value, expiry.Patient, expiry.Doctor, grantId: grant.GrantId));
        }

        return plan;
    }

    private static PermissionNotification Notify(string recipient, NotificationKind kind, DateTimeOffset occurredAt, string patient, string doctor,
        string requestId = "", string grantId = "", DateTimeOffset? expiresAt = null, string reason = "") =>
        new(0, recipient, kind, occurredAt, patient, doctor, requestId, grantId, expiresAt, reason);

    private static bool TryReadPair(PermissionChainEvent e, out string patient, out string doctor)
    {
        patient = doctor = string.Empty;
        if (e.Name is not (ChainEventNames.AccessRequested or ChainEventNames.AccessApproved or ChainEventNames.AccessDenied
            or ChainEventNames.PermissionGranted or ChainEventNames.PermissionRevoked))
        {
            return false;
        }

        var payload = JsonNode.Parse(e.PayloadJson) as JsonObject;
        patient = payload?["patient"]?.GetValue<string>() ?? string.Empty;
        doctor = (payload?["doctor"] ?? payload?["grantee"])?.GetValue<string>() ?? string.Empty;
        return patient.Length > 0 && doctor.Length > 0;
    }

    private static DateTimeOffset? ReadExpiry(JsonObject payload) =>
        payload["expires_at"] is JsonValue value ? DateTimeOffset.FromUnixTimeMilliseconds(value.GetValue<long>()) : null;

    private PairState? FindPair(string patient, string doctor)
    {
        lock (_state)
        {
            return _byPatient.TryGetValue(patient, out var doctors) ? doctors.GetValueOrDefault(doctor) : null;
        }
    }

    private void SetPair(string patient, string doctor, PairState pair)
    {
        if (!_byPatient.TryGetValue(patient, out var doctors))
        {
            _byPatient[patient] = doctors = new Dictionary<string, PairState>(StringComparer.Ordinal);
        }

        if (doctors.GetValueOrDefault(doctor)?.Grant is { ExpiresAt: { } oldExpiry })
        {
            _expiring.Remove((oldExpiry, patient, doctor));
        }

        doctors[doctor] = pair;
        if (pair.Grant is { ExpiresAt: { } expiry } && !pair.ExpiryAnnounced)
        {
            _expiring.Add((expiry, patient, doctor));
        }
    }

    // ---- reads -----------------------------------------------------------------------------------------------

    /// <summary>The live grant of this pair at <paramref name="now"/>, or null.</summary>
    public GrantRecord? FindLiveGrant(string patient, string doctor, DateTimeOffset now) =>
        FindPair(patient, doctor)?.Grant is { } grant && grant.IsLiveAt(now) ? grant : null;

    /// <summary>The grant stored for the pair, live or expired (revoke reports it).</summary>
    public GrantRecord? FindStoredGrant(string patient, string doctor) => FindPair(patient, doctor)?.Grant;

    /// <summary>The pair's latest revoke, if no grant was placed after it.</summary>
    public Revocation? FindRevocationSinceLastGrant(string patient, string doctor) =>
        FindPair(patient, doctor) is { Grant: null, LastRevocation: { } revocation } ? revocation : null;

    /// <summary>Live grants of a patient, newest first.</summary>
    public IReadOnlyList<GrantRecord> LiveGrants(string patient, DateTimeOffset now)
    {
        lock (_state)
        {
            return _byPatient.TryGetValue(patient, out var doctors)
                ? [.. doctors.Values.Select(p => p.Grant).OfType<GrantRecord>().Where(g => g.IsLiveAt(now))
                    .OrderByDescending(g => g.GrantedAt).ThenBy(g => g.Doctor, StringComparer.Ordinal)]
                : [];
        }
    }

    public AccessRequestRecord? FindRequest(string requestId)
    {
        lock (_state)
        {
            return _requestsById.GetValueOrDefault(requestId);
        }
    }

    /// <summary>The latest request round of this pair (the only one the chain can still decide).</summary>
    public AccessRequestRecord? CurrentRequest(string patient, string doctor) => FindPair(patient, doctor)?.Request;

    /// <summary>Pending requests to a patient, oldest first, after the given (requested_at, request id) if any.</summary>
    public IReadOnlyList<AccessRequestRecord> PendingRequests(string patient, (DateTimeOffset RequestedAt, string RequestId)? after, int max)
    {
        lock (_state)
        {
            if (!_byPatient.TryGetValue(patient, out var doctors))
            {
                return [];
            }

            return [.. doctors.Values.Select(p => p.Request).OfType<AccessRequestRecord>()
                .Where(r => r.Status == RequestStatus.Pending)
                .Where(r => after is not { } start || (r.RequestedAt, r.RequestId).CompareTo((start.RequestedAt, start.RequestId)) > 0)
                .OrderBy(r => r.RequestedAt).ThenBy(r => r.RequestId, StringComparer.Ordinal)
                .Take(max)];
        }
    }

    /// <summary>Has every event of this transaction been applied, or is it known to have had none?</summary>
    public bool KnowsTransaction(string txId)
    {
        lock (_state)
        {
            return _knownTxIds.Contains(txId);
        }
    }

    public (long FirstKept, long Next) NotificationWindow
    {
        get
        {
            lock (_state)
            {
                _log.Prune(_time.GetUtcNow());
                return (_log.FirstKeptSequence, _log.NextSequence);
            }
        }
    }

    public IReadOnlyList<PermissionNotification> NotificationsAfter(string recipient, long afterSequence, int max)
    {
        lock (_state)
        {
            return _log.After(recipient, afterSequence, max);
        }
    }

    /// <summary>What the model keeps per (patient, doctor): the latest request round and the stored grant.</summary>
    private sealed record PairState(AccessRequestRecord? Request, ChainPosition RequestPosition, GrantRecord? Grant, ChainPosition GrantPosition, bool ExpiryAnnounced,
        Revocation? LastRevocation = null)
    {
        public static readonly PairState Empty = new(null, ChainPosition.None, null, ChainPosition.None, false);
    }
}

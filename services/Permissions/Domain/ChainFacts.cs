namespace HybridEhr.Permissions.Domain;

/// <summary>Where a transaction sits on the chain; the read model keeps, per pair, the position of its last change.</summary>
public readonly record struct ChainPosition(long Block, int TxIndex) : IComparable<ChainPosition>
{
    public static readonly ChainPosition None = new(0, -1);

    public int CompareTo(ChainPosition other) => (Block, TxIndex).CompareTo((other.Block, other.TxIndex));

    public static bool operator <(ChainPosition left, ChainPosition right) => left.CompareTo(right) < 0;

    public static bool operator >(ChainPosition left, ChainPosition right) => left.CompareTo(right) > 0;

    public static bool operator <=(ChainPosition left, ChainPosition right) => left.CompareTo(right) <= 0;

    public static bool operator >=(ChainPosition left, ChainPosition right) => left.CompareTo(right) >= 0;
}

/// <summary>One event of the access_control contract, as committed (from the follower or from a Submit answer).</summary>
public sealed record PermissionChainEvent(long BlockHeight, int TxIndex, string TxId, long BlockTimestampMs, string Name, string PayloadJson)
{
    public ChainPosition Position => new(BlockHeight, TxIndex);

    public DateTimeOffset BlockTime => DateTimeOffset.FromUnixTimeMilliseconds(BlockTimestampMs);

    /// <summary>Identifies the event among all others: no access_control transaction emits two events of one name.</summary>
    public string Key => TxId + ":" + Name;
}

/// <summary>Names of the access_control events the read model consumes.</summary>
public static class ChainEventNames
{
    public const string AccessRequested = "AccessRequested";
    public const string AccessApproved = "AccessApproved";
    public const string AccessDenied = "AccessDenied";
    public const string PermissionGranted = "PermissionGranted";
    public const string PermissionRevoked = "PermissionRevoked";
}

public enum RequestStatus
{
    Pending = 1,
    Approved = 2,
    Denied = 3,
}

/// <summary>One round of a doctor asking a patient; asking again after a decision starts a new round (new id).</summary>
public sealed record AccessRequestRecord(
    string RequestId,
    string Patient,
    string Doctor,
    string Reason,
    RequestStatus Status,
    DateTimeOffset RequestedAt,
    DateTimeOffset? DecidedAt,
    string DenialReason,
    string TxId);

/// <summary>A doctor's right to view a patient's records, as the read model knows it.</summary>
public sealed record GrantRecord(
    string GrantId,
    string Patient,
    string Doctor,
    string? RequestId,
    DateTimeOffset GrantedAt,
    DateTimeOffset? ExpiresAt,
    string TxId)
{
    /// <summary>Live while the clock is strictly before the expiry, as the contract rules.</summary>
    public bool IsLiveAt(DateTimeOffset now) => ExpiresAt is not { } expiry || now < expiry;
}

/// <summary>A committed revoke_permission: the grant it ended, when, in which transaction, and whether it was still live.</summary>
public sealed record Revocation(GrantRecord Grant, DateTimeOffset RevokedAt, string TxId, bool WasLive);

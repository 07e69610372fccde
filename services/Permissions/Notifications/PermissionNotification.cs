namespace HybridEhr.Permissions.Notifications;

/// <summary>The notification types of permissions.proto (same numbers).</summary>
public enum NotificationKind
{
    RequestReceived = 1,
    Approved = 2,
    Denied = 3,
    Granted = 4,
    Revoked = 5,
    Expired = 6,
}

/// <summary>One entry of the ordered notification log, addressed to one account.</summary>
/// <param name="Sequence">Position in the whole log (all recipients), starting at 1.</param>
public sealed record PermissionNotification(
    long Sequence,
    string Recipient,
    NotificationKind Kind,
    DateTimeOffset OccurredAt,
    string Patient,
    string Doctor,
    string RequestId,
    string GrantId,
    DateTimeOffset? ExpiresAt,
    string Reason);

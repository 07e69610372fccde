using System.Runtime.CompilerServices;
using Grpc.Core;
using HybridEhr.Permissions.Domain;

namespace HybridEhr.Permissions.Notifications;

/// <summary>
/// One account's notifications, in log order: first those after the resume cursor (replayed from the log), then
/// live ones as the hub signals them. At least once, in order.
/// </summary>
public sealed class NotificationFeed(PermissionReadModel model, NotificationHub hub)
{
    private const int BatchSize = 100;

    /// <summary>Checks the cursor at once (so a bad one fails the call before anything is streamed).</summary>
    public long StartAfter(string accountId, string resumeAfter)
    {
        var (firstKept, next) = model.NotificationWindow;
        if (string.IsNullOrEmpty(resumeAfter))
        {
            return next - 1;
        }

        switch (NotificationCursor.TryParse(resumeAfter, model.NotificationEpoch, accountId, out var sequence))
        {
            case CursorCheck.OutOfRange:
                throw OutOfRange();
            case CursorCheck.Invalid:
            case CursorCheck.Valid when sequence >= next:
                throw new RpcException(new Status(StatusCode.InvalidArgument, "resume_after is not a cursor this service issued to your account."));
            case CursorCheck.Valid when sequence < firstKept - 1:
                throw OutOfRange();
            default:
                return sequence;
        }
    }

    public async IAsyncEnumerable<PermissionNotification> WatchAsync(string accountId, long startAfter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Subscribe before reading, so nothing appended in between goes unsignalled.
        using var subscription = hub.Subscribe(accountId);
        var last = startAfter;
        while (true)
        {
            var batch = model.NotificationsAfter(accountId, last, BatchSize);
            foreach (var notification in batch)
            {
                yield return notification;
                last = notification.Sequence;
            }

            if (batch.Count < BatchSize)
            {
                await subscription.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public string CursorOf(PermissionNotification notification) =>
        NotificationCursor.Format(model.NotificationEpoch, notification.Sequence, notification.Recipient);

    private static RpcException OutOfRange() => new(new Status(StatusCode.OutOfRange,
        "resume_after is older than the notifications kept; reload with GetGrantees and ListPendingRequests, then watch again without a cursor."));
}

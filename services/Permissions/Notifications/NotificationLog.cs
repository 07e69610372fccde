namespace HybridEhr.Permissions.Notifications;

/// <summary>
/// The ordered notification log: every entry gets the next sequence number; entries older than the retention are
/// dropped from the front. Not thread-safe: the read model guards it.
/// </summary>
public sealed class NotificationLog(string epoch, TimeSpan retention)
{
    private readonly Queue<PermissionNotification> _all = new();
    private readonly Dictionary<string, List<PermissionNotification>> _byRecipient = new(StringComparer.Ordinal);

    public string Epoch => epoch;

    /// <summary>The sequence the next entry will get.</summary>
    public long NextSequence { get; private set; } = 1;

    /// <summary>The oldest sequence still kept (NextSequence when the log is empty).</summary>
    public long FirstKeptSequence => _all.Count > 0 ? _all.Peek().Sequence : NextSequence;

    public PermissionNotification Append(PermissionNotification unsequenced)
    {
        var notification = unsequenced with { Sequence = NextSequence++ };
        _all.Enqueue(notification);
        if (!_byRecipient.TryGetValue(notification.Recipient, out var list))
        {
            _byRecipient[notification.Recipient] = list = [];
        }

        list.Add(notification);
        return notification;
    }

    /// <summary>Drops what is older than the retention; the log's front is roughly its oldest part.</summary>
    public void Prune(DateTimeOffset now)
    {
        var cutoff = now - retention;
        while (_all.Count > 0 && _all.Peek().OccurredAt < cutoff)
        {
            var dropped = _all.Dequeue();
            var list = _byRecipient[dropped.Recipient];
            list.RemoveAt(0);
            if (list.Count == 0)
            {
                _byRecipient.Remove(dropped.Recipient);
            }
        }
    }

    public IReadOnlyList<PermissionNotification> After(string recipient, long afterSequence, int max)
    {
        if (!_byRecipient.TryGetValue(recipient, out var list))
        {
            return [];
        }

        var start = FirstIndexAfter(list, afterSequence);
        return list.GetRange(start, Math.Min(max, list.Count - start));
    }

    private static int FirstIndexAfter(List<PermissionNotification> list, long afterSequence)
    {
        int low = 0, high = list.Count;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (list[middle].Sequence <= afterSequence)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }
}

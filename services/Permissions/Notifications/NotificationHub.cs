using System.Threading.Channels;
using HybridEhr.Permissions.Domain;

namespace HybridEhr.Permissions.Notifications;

/// <summary>
/// Wakes the open streams of the accounts that just got notifications. It carries no data: each stream reads the
/// log after its own cursor, so a stream that is slow or was busy never misses or reorders anything.
/// </summary>
public sealed class NotificationHub : INotificationListener
{
    private readonly Dictionary<string, List<Subscription>> _byAccount = new(StringComparer.Ordinal);

    public Subscription Subscribe(string accountId)
    {
        var subscription = new Subscription(this, accountId);
        lock (_byAccount)
        {
            if (!_byAccount.TryGetValue(accountId, out var list))
            {
                _byAccount[accountId] = list = [];
            }

            list.Add(subscription);
        }

        return subscription;
    }

    public void Appended(IReadOnlyList<PermissionNotification> notifications)
    {
        lock (_byAccount)
        {
            foreach (var recipient in notifications.Select(n => n.Recipient).Distinct(StringComparer.Ordinal))
            {
                if (_byAccount.TryGetValue(recipient, out var list))
                {
                    foreach (var subscription in list)
                    {
                        subscription.Signal();
                    }
                }
            }
        }
    }

    private void Remove(Subscription subscription)
    {
        lock (_byAccount)
        {
            if (_byAccount.TryGetValue(subscription.AccountId, out var list) && list.Remove(subscription) && list.Count == 0)
            {
                _byAccount.Remove(subscription.AccountId);
            }
        }
    }

    public sealed class Subscription(NotificationHub hub, string accountId) : IDisposable
    {
        private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

        public string AccountId => accountId;

        /// <summary>Completes when something new may be in the log for this account.</summary>
        public ValueTask<bool> WaitAsync(CancellationToken cancellationToken) => _signal.Reader.ReadAsync(cancellationToken);

        internal void Signal() => _signal.Writer.TryWrite(true);

        public void Dispose() => hub.Remove(this);
    }
}

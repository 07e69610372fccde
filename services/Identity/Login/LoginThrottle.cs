using System.Collections.Concurrent;

namespace HybridEhr.Identity.Login;

/// <summary>
/// Slows password guessing: after <c>maxFailures</c> failed logins of one account selector within <c>window</c>,
/// further attempts are refused until the oldest failure leaves the window. Unknown accounts are throttled exactly
/// like known ones, so the throttle reveals nothing. In memory: a restart forgets it, which costs an attacker a
/// restart per window at most.
/// </summary>
public sealed class LoginThrottle(int maxFailures, TimeSpan window, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _failures = new(StringComparer.Ordinal);

    /// <summary>How long the selector must wait before trying again; zero when it may try now.</summary>
    public TimeSpan RetryAfter(string selector)
    {
        if (!_failures.TryGetValue(selector, out var failures))
        {
            return TimeSpan.Zero;
        }

        var now = time.GetUtcNow();
        lock (failures)
        {
            Prune(failures, now);
            return failures.Count >= maxFailures ? failures.Peek() + window - now : TimeSpan.Zero;
        }
    }

    public void RecordFailure(string selector)
    {
        var failures = _failures.GetOrAdd(selector, _ => new Queue<DateTimeOffset>());
        var now = time.GetUtcNow();
        lock (failures)
        {
            Prune(failures, now);
            failures.Enqueue(now);
        }
    }

    public void RecordSuccess(string selector) => _failures.TryRemove(selector, out _);

    private void Prune(Queue<DateTimeOffset> failures, DateTimeOffset now)
    {
        while (failures.Count > 0 && failures.Peek() + window <= now)
        {
            failures.Dequeue();
        }
    }
}

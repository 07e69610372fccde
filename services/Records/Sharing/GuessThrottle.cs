using System.Collections.Concurrent;

namespace HybridEhr.Records.Sharing;

/// <summary>
/// Slows down guessing of share-link tokens: a client address that presented too many unknown tokens within a
/// window is refused for the rest of it. (2^256 tokens cannot be guessed anyway; this keeps logs and disks quiet.)
/// </summary>
public sealed class GuessThrottle(TimeProvider time, int maxMisses = 20, TimeSpan? window = null)
{
    private readonly TimeSpan _window = window ?? TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, Misses> _misses = new(StringComparer.Ordinal);

    public bool IsBlocked(string client) =>
        _misses.TryGetValue(client, out var misses) && time.GetUtcNow() - misses.Since < _window && misses.Count >= maxMisses;

    public void RecordMiss(string client)
    {
        var now = time.GetUtcNow();
        _misses.AddOrUpdate(client, _ => new Misses(now, 1), (_, current) => now - current.Since >= _window ? new Misses(now, 1) : current with { Count = current.Count + 1 });
        if (_misses.Count > 10_000)
        {
            foreach (var stale in _misses.Where(p => now - p.Value.Since >= _window).Select(p => p.Key).ToList())
            {
                _misses.TryRemove(stale, out _);
            }
        }
    }

    private sealed record Misses(DateTimeOffset Since, int Count);
}

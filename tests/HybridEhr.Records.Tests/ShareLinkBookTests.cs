using System.Security.Cryptography;
using HybridEhr.Records.Sharing;
using Xunit;

namespace HybridEhr.Records.Tests;

public sealed class ShareLinkBookTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _directory = new();
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void The_token_is_43_base64url_characters_and_only_its_hash_is_stored()
    {
        var book = new ShareLinkBook(_directory.Path, _key);

        var (link, token) = Create(book);

        Assert.Equal(43, token.Length);
        Assert.True(ShareLinkBook.IsWellFormed(token));
        var stored = string.Concat(Directory.EnumerateFiles(_directory.Path).Select(File.ReadAllText));
        Assert.DoesNotContain(token, stored, StringComparison.Ordinal);
        Assert.Contains(link.TokenHash, stored, StringComparison.Ordinal);
        Assert.Equal(link.ShareLinkId, new ShareLinkBook(_directory.Path, _key).Find(token)!.ShareLinkId);
    }

    [Fact]
    public void A_link_opens_once()
    {
        var book = new ShareLinkBook(_directory.Path, _key);
        var (_, token) = Create(book);

        Assert.Equal(ConsumeOutcome.Consumed, book.TryConsume(token, Now.AddMinutes(1)).Outcome);
        Assert.Equal(ConsumeOutcome.AlreadyOpened, book.TryConsume(token, Now.AddMinutes(2)).Outcome);
        Assert.Equal(ConsumeOutcome.AlreadyOpened, new ShareLinkBook(_directory.Path, _key).TryConsume(token, Now.AddMinutes(3)).Outcome);
    }

    [Fact]
    public void A_link_expires_at_its_time()
    {
        var book = new ShareLinkBook(_directory.Path, _key);
        var (_, token) = Create(book, TimeSpan.FromMinutes(5));

        Assert.Equal(ConsumeOutcome.Expired, book.TryConsume(token, Now.AddMinutes(5)).Outcome);
        Assert.Equal(ConsumeOutcome.NotFound, book.TryConsume(new string('A', 43), Now).Outcome);
    }

    [Fact]
    public async Task Of_many_concurrent_openers_exactly_one_wins()
    {
        var book = new ShareLinkBook(_directory.Path, _key);
        var (_, token) = Create(book);
        using var start = new ManualResetEventSlim();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(() =>
        {
            start.Wait();
            return book.TryConsume(token, Now.AddSeconds(1)).Outcome;
        })).ToList().Also(_ => start.Set()));

        Assert.Single(outcomes, o => o == ConsumeOutcome.Consumed);
        Assert.Equal(31, outcomes.Count(o => o == ConsumeOutcome.AlreadyOpened));
    }

    [Fact]
    public void An_altered_entry_is_detected()
    {
        var book = new ShareLinkBook(_directory.Path, _key);
        var (link, token) = Create(book);
        var file = Directory.EnumerateFiles(_directory.Path).Single();
        File.WriteAllText(file, File.ReadAllText(file).Replace(link.AnchoredContentHash, new string('0', 64), StringComparison.Ordinal));

        Assert.Throws<InvalidDataException>(() => book.Find(token));
    }

    [Theory]
    [InlineData("")]
    [InlineData("short")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+")]
    public void Malformed_tokens_are_recognised(string token) => Assert.False(ShareLinkBook.IsWellFormed(token));

    [Fact]
    public void Guessing_is_throttled_per_client()
    {
        var clock = new ManualClock(Now);
        var throttle = new GuessThrottle(clock, maxMisses: 3);
        for (var i = 0; i < 3; i++)
        {
            throttle.RecordMiss("10.0.0.1");
        }

        Assert.True(throttle.IsBlocked("10.0.0.1"));
        Assert.False(throttle.IsBlocked("10.0.0.2"));
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.False(throttle.IsBlocked("10.0.0.1"));
    }

    private static (ShareLink Link, string Token) Create(ShareLinkBook book, TimeSpan? lifetime = null) =>
        book.Create("r-1", 1, "0xalice", Now, lifetime ?? TimeSpan.FromHours(1), "Clinic visit", new string('a', 64), new string('b', 64), null);
}

internal static class TaskListExtensions
{
    public static List<T> Also<T>(this List<T> list, Action<List<T>> action)
    {
        action(list);
        return list;
    }
}

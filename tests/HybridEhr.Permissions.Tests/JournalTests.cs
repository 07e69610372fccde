using HybridEhr.Permissions.Domain;
using static HybridEhr.Permissions.Tests.Accounts;

namespace HybridEhr.Permissions.Tests;

public sealed class JournalTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "permissions-journal-" + Guid.NewGuid().ToString("N"));
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero));

    private string JournalPath => Path.Combine(_directory, "read-model.journal");

    [Fact]
    public void The_file_journal_survives_a_restart_and_a_torn_last_line()
    {
        var chain = new EventFactory(_clock);
        string epoch;
        using (var journal = new FileReadModelJournal(JournalPath))
        {
            Assert.True(journal.IsNew);
            epoch = journal.Epoch;
            var model = new PermissionReadModel(journal, _clock, TimeSpan.FromDays(7));
            model.ApplyChainEvent(chain.Granted(Alice, DrSmith, _clock.Now.AddHours(1)));
            model.ApplyChainEvent(chain.Granted(Alice, DrJones));
            model.MarkExpired(model.FindLiveGrant(Alice, DrSmith, _clock.Now)!);
        }

        File.AppendAllText(JournalPath, "{\"kind\":\"chain_event\",\"Event\":{\"Block"); // kill -9 in the middle of a write

        using var reopened = new FileReadModelJournal(JournalPath);
        var rebuilt = new PermissionReadModel(reopened, _clock, TimeSpan.FromDays(7));

        Assert.False(reopened.IsNew);
        Assert.Equal(epoch, reopened.Epoch);
        Assert.NotNull(rebuilt.FindLiveGrant(Alice, DrSmith, _clock.Now));
        Assert.NotNull(rebuilt.FindLiveGrant(Alice, DrJones, _clock.Now));
        Assert.Empty(rebuilt.DueExpiries(_clock.Now.AddHours(2))); // the expiry was already announced
        Assert.EndsWith("\n", File.ReadAllText(JournalPath), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}

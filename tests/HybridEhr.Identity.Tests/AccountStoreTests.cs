using HybridEhr.Devnet.Ledger;
using Grpc.Core;
using HybridEhr.Identity.Accounts;
using HybridEhr.Identity.Crypto;

namespace HybridEhr.Identity.Tests;

public sealed class AccountStoreTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly KeyEncryptionKey _kek = new(IdentityWorld.MasterKey);

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Saved_accounts_survive_a_reopen_with_their_indexes()
    {
        var store = new AccountStore(_directory.Path, _kek);
        var patient = NewRecord(store, "patient", AccountStatus.Active);
        var pending = NewRecord(store, "doctor", AccountStatus.Pending);

        var reopened = new AccountStore(_directory.Path, _kek);

        Assert.Equal(2, reopened.Count);
        Assert.Equal(AccountStatus.Active, reopened.Find(patient.AccountId)!.Status);
        Assert.Equal(patient.AccountId, reopened.FindBySlot("d0c", "patient")!.AccountId);
        Assert.Equal(pending.AccountId, reopened.FindBySlot("d0c", "doctor")!.AccountId);
        Assert.Equal([pending.AccountId], reopened.Pending().Select(r => r.AccountId));
        Assert.Equal("Ana", reopened.OpenPersonalData(reopened.Find(patient.AccountId)!).FirstName);
    }

    [Fact]
    public void Personal_data_is_not_stored_in_clear()
    {
        var store = new AccountStore(_directory.Path, _kek);
        var record = NewRecord(store, "patient", AccountStatus.Active);

        var file = File.ReadAllText(Path.Combine(_directory.Path, "accounts", record.AccountId + ".json"));

        Assert.DoesNotContain("Rojas", file, StringComparison.Ordinal);
        Assert.DoesNotContain("ana.rojas", file, StringComparison.Ordinal);
        Assert.DoesNotContain("AB-123456", file, StringComparison.Ordinal);
    }

    [Fact]
    public void Personal_data_moved_to_another_account_does_not_open()
    {
        var store = new AccountStore(_directory.Path, _kek);
        var first = NewRecord(store, "patient", AccountStatus.Active);
        var second = NewRecord(store, "doctor", AccountStatus.Active);

        var swapped = second with { PersonalData = first.PersonalData };

        Assert.Equal(StatusCode.DataLoss, Assert.Throws<RpcException>(() => store.OpenPersonalData(swapped)).StatusCode);
    }

    [Fact]
    public void A_slot_holds_one_account_and_a_deleted_account_frees_it()
    {
        var store = new AccountStore(_directory.Path, _kek);
        var first = NewRecord(store, "patient", AccountStatus.Active);

        Assert.Throws<InvalidOperationException>(() => NewRecord(store, "patient", AccountStatus.Pending));
        store.Delete(first.AccountId);
        Assert.Null(new AccountStore(_directory.Path, _kek).FindBySlot("d0c", "patient"));
        NewRecord(store, "patient", AccountStatus.Pending);
    }

    [Fact]
    public void Updates_replace_the_file_whole()
    {
        var store = new AccountStore(_directory.Path, _kek);
        var record = NewRecord(store, "patient", AccountStatus.Pending);
        store.Save(record with { Status = AccountStatus.Active, AddUserTxId = "ab" });

        var reopened = new AccountStore(_directory.Path, _kek).Find(record.AccountId)!;

        Assert.Equal(AccountStatus.Active, reopened.Status);
        Assert.Equal("ab", reopened.AddUserTxId);
        Assert.Empty(Directory.GetFiles(Path.Combine(_directory.Path, "accounts"), "*.tmp"));
    }

    [Fact]
    public void An_unreadable_account_file_stops_the_open_with_its_path()
    {
        var store = new AccountStore(_directory.Path, _kek);
        var record = NewRecord(store, "patient", AccountStatus.Active);
        var path = Path.Combine(_directory.Path, "accounts", record.AccountId + ".json");
        File.WriteAllText(path, "{ not json");

        var error = Assert.Throws<InvalidDataException>(() => new AccountStore(_directory.Path, _kek));
        Assert.Contains(record.AccountId, error.Message, StringComparison.Ordinal);
    }

    private static AccountRecord NewRecord(AccountStore store, string role, AccountStatus status)
    {
        var accountId = DevnetKey.Generate().AccountId;
        var record = new AccountRecord
        {
            AccountId = accountId,
            Role = role,
            DocumentHash = "d0c",
            Status = status,
            PasswordHash = "pbkdf2-sha256$1$AA==$AA==",
            PersonalData = store.SealPersonalData(accountId, new PersonalData("AB-123456", "Ana", "Rojas", "ana.rojas@example.org")),
            CreatedAt = new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero),
        };
        store.Save(record);
        return record;
    }
}

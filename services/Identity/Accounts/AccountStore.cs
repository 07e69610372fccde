using System.Text.Json;
using HybridEhr.Files;
using HybridEhr.Identity.Crypto;

namespace HybridEhr.Identity.Accounts;

/// <summary>
/// Accounts on disk, one JSON file per account written atomically (<see cref="AtomicFile"/>), with in-memory indexes
/// by account id and by (document hash, role) rebuilt from the files at open. The files are the only truth, so an
/// index can never disagree with them after a crash. Personal data is sealed with <see cref="KeyEncryptionKey"/>.
/// </summary>
public sealed class AccountStore
{
    private readonly string _directory;
    private readonly KeyEncryptionKey _kek;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, AccountRecord> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<(string DocumentHash, string Role), string> _bySlot = [];

    public AccountStore(string dataDirectory, KeyEncryptionKey kek)
    {
        _directory = Path.Combine(dataDirectory, "accounts");
        _kek = kek;
        Directory.CreateDirectory(_directory);
        foreach (var path in Directory.EnumerateFiles(_directory, "*.json"))
        {
            AccountRecord record;
            try
            {
                record = JsonSerializer.Deserialize<AccountRecord>(File.ReadAllBytes(path))
                    ?? throw new InvalidDataException("empty");
            }
            catch (Exception ex) when (ex is JsonException or InvalidDataException)
            {
                throw new InvalidDataException($"The account file {path} is not readable ({ex.Message}); it was altered. Restore it from a backup.", ex);
            }

            Index(record);
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _byId.Count;
            }
        }
    }

    public AccountRecord? Find(string accountId)
    {
        lock (_lock)
        {
            return _byId.GetValueOrDefault(accountId);
        }
    }

    /// <summary>The one account (pending or active) holding this document's slot for this role.</summary>
    public AccountRecord? FindBySlot(string documentHash, string role)
    {
        lock (_lock)
        {
            return _bySlot.TryGetValue((documentHash, role), out var accountId) ? _byId[accountId] : null;
        }
    }

    public IReadOnlyList<AccountRecord> Pending()
    {
        lock (_lock)
        {
            return [.. _byId.Values.Where(record => record.Status == AccountStatus.Pending)];
        }
    }

    /// <summary>Writes the record durably, then indexes it. A slot held by another account is a bug of the caller.</summary>
    public void Save(AccountRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_lock)
        {
            if (_bySlot.TryGetValue((record.DocumentHash, record.Role), out var holder) && holder != record.AccountId)
            {
                throw new InvalidOperationException("This document already has an account with this role.");
            }

            AtomicFile.Write(PathOf(record.AccountId), JsonSerializer.SerializeToUtf8Bytes(record));
            Index(record);
        }
    }

    public void Delete(string accountId)
    {
        lock (_lock)
        {
            if (_byId.Remove(accountId, out var record))
            {
                _bySlot.Remove((record.DocumentHash, record.Role));
            }

            File.Delete(PathOf(accountId));
        }
    }

    public SealedBox SealPersonalData(string accountId, PersonalData data) =>
        _kek.Seal(JsonSerializer.SerializeToUtf8Bytes(data), Context(accountId));

    /// <summary>The decrypted personal data; DATA_LOSS when the stored box was tampered with.</summary>
    public PersonalData OpenPersonalData(AccountRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return JsonSerializer.Deserialize<PersonalData>(_kek.Open(record.PersonalData, Context(record.AccountId)))!;
    }

    private static string Context(string accountId) => "hybridehr-identity/personal-data/" + accountId;

    private string PathOf(string accountId) =>
        HybridEhr.Devnet.Ledger.AccountIds.TryParse(accountId, out _)
            ? Path.Combine(_directory, accountId + ".json")
            : throw new ArgumentException("Not an account id.", nameof(accountId));

    private void Index(AccountRecord record)
    {
        _byId[record.AccountId] = record;
        _bySlot[(record.DocumentHash, record.Role)] = record.AccountId;
    }
}

using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Serialization;
using System.Text.Json;
using HybridEhr.Devnet.Ledger;
using HybridEhr.Files;
using Grpc.Core;
using HybridEhr.Identity.Crypto;

namespace HybridEhr.Identity.Keys;

/// <summary>
/// The custodial keystore: one Ed25519 chain key per account, its seed sealed under the master key and bound to the
/// account id, one file per key. Opening checks that the seed still derives the account id it is filed under, so a
/// swapped or altered file is DATA_LOSS, never a signature by the wrong key.
/// </summary>
public sealed class ChainKeyStore
{
    private readonly string _directory;
    private readonly KeyEncryptionKey _kek;
    private readonly ConcurrentDictionary<string, DevnetKey> _opened = new(StringComparer.Ordinal);

    public ChainKeyStore(string dataDirectory, KeyEncryptionKey kek)
    {
        _directory = Path.Combine(dataDirectory, "keystore");
        _kek = kek;
        Directory.CreateDirectory(_directory);
    }

    /// <summary>Generates a key and stores it durably before returning it.</summary>
    public DevnetKey Create()
    {
        var key = DevnetKey.Generate();
        var seed = key.ExportSeed();
        try
        {
            var entry = new KeyFile(key.AccountId, _kek.Seal(seed, Context(key.AccountId)));
            AtomicFile.Write(PathOf(key.AccountId), JsonSerializer.SerializeToUtf8Bytes(entry), AtomicFile.OwnerOnly);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }

        _opened[key.AccountId] = key;
        return key;
    }

    /// <summary>The account's key, or null when none is stored; DATA_LOSS when its file was altered.</summary>
    public DevnetKey? Find(string accountId)
    {
        if (_opened.TryGetValue(accountId, out var cached))
        {
            return cached;
        }

        var path = PathOf(accountId);
        if (!File.Exists(path))
        {
            return null;
        }

        KeyFile? entry;
        try
        {
            entry = JsonSerializer.Deserialize<KeyFile>(File.ReadAllBytes(path));
        }
        catch (JsonException)
        {
            entry = null;
        }

        if (entry is null || entry.AccountId != accountId)
        {
            throw Tampered();
        }

        var seed = _kek.Open(entry.Seed, Context(accountId));
        try
        {
            var key = seed.Length == DevnetKey.SeedSize ? DevnetKey.FromSeed(seed) : throw Tampered();
            return key.AccountId == accountId ? _opened.GetOrAdd(accountId, key) : throw Tampered();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>Keys with no account (per <paramref name="hasAccount"/>) whose file is older than <paramref name="age"/>.</summary>
    public IReadOnlyList<string> OrphansOlderThan(TimeSpan age, DateTimeOffset now, Func<string, bool> hasAccount)
    {
        ArgumentNullException.ThrowIfNull(hasAccount);
        const string Suffix = ".key.json";
        return
        [
            .. Directory.EnumerateFiles(_directory, "*" + Suffix)
                .Select(path => (Path: path, AccountId: Path.GetFileName(path)[..^Suffix.Length]))
                .Where(file => AccountIds.TryParse(file.AccountId, out _) && !hasAccount(file.AccountId)
                    && now - new DateTimeOffset(File.GetLastWriteTimeUtc(file.Path), TimeSpan.Zero) > age)
                .Select(file => file.AccountId),
        ];
    }

    public void Delete(string accountId)
    {
        _opened.TryRemove(accountId, out _);
        File.Delete(PathOf(accountId));
    }

    private static string Context(string accountId) => "hybridehr-identity/chain-key/" + accountId;

    private static RpcException Tampered() =>
        new(new Status(StatusCode.DataLoss, "The account's chain key failed its integrity check (its keystore file was altered); it cannot sign."));

    private string PathOf(string accountId) =>
        AccountIds.TryParse(accountId, out _)
            ? Path.Combine(_directory, accountId + ".key.json")
            : throw new ArgumentException("Not an account id.", nameof(accountId));

    private sealed record KeyFile(
        [property: JsonPropertyName("account_id")] string AccountId,
        [property: JsonPropertyName("seed")] SealedBox Seed);
}

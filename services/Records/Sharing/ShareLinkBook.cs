using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text;
using HybridEhr.Files;
using HybridEhr.Records.Storage;

namespace HybridEhr.Records.Sharing;

/// <summary>
/// A single-use link to one record version. Only the SHA-256 of its token is kept. The anchored hashes are copied
/// in when the patient creates it (after a full check against the chain), because the anonymous opener has no token
/// with which the chain could be asked; the entry is sealed with an HMAC so that altering those hashes in the data
/// directory is detected like any other tampering.
/// </summary>
public sealed record ShareLink(
    string ShareLinkId,
    string TokenHash,
    string RecordId,
    long Version,
    string PatientAccountId,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    string Note,
    string AnchoredContentHash,
    string AnchoredCiphertextHash,
    StoredAnchor? Anchor,
    DateTimeOffset? OpenedAt,
    string Seal = "");

public enum ConsumeOutcome
{
    Consumed,
    NotFound,
    AlreadyOpened,
    Expired,
}

/// <summary>The result of <see cref="ShareLinkBook.TryConsume"/>; <see cref="Link"/> is set unless the link is unknown.</summary>
public sealed record ConsumeResult(ConsumeOutcome Outcome, ShareLink? Link);

/// <summary>Share links kept one file per link (named by the token's hash), written atomically; consumption is a compare-and-set under one lock.</summary>
public sealed partial class ShareLinkBook
{
    public static readonly TimeSpan MinimumLifetime = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan MaximumLifetime = TimeSpan.FromDays(7);
    private static readonly JsonSerializerOptions Json = new();

    private readonly string _directory;
    private readonly byte[] _sealKey;
    private readonly Lock _lock = new();

    public ShareLinkBook(string directory, byte[] sealKey)
    {
        _directory = directory;
        _sealKey = sealKey;
        Directory.CreateDirectory(directory);
        AtomicFile.RemoveLeftovers(directory, recursive: true);
    }

    /// <summary>True for text in the issued format: 32 bytes as base64url without padding.</summary>
    public static bool IsWellFormed(string token) => TokenFormat().IsMatch(token);

    public (ShareLink Link, string Token) Create(
        string recordId, long version, string patientAccountId, DateTimeOffset now, TimeSpan lifetime, string note,
        string anchoredContentHash, string anchoredCiphertextHash, StoredAnchor? anchor)
    {
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        var link = new ShareLink(
            "sl-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), HashToken(token), recordId, version, patientAccountId,
            now, now + lifetime, note, anchoredContentHash, anchoredCiphertextHash, anchor, OpenedAt: null);
        lock (_lock)
        {
            Write(link);
        }

        return (link, token);
    }

    /// <summary>The link a token opens, or null when none was issued with it.</summary>
    /// <exception cref="InvalidDataException">The stored entry was altered.</exception>
    public ShareLink? Find(string token)
    {
        var path = PathFor(HashToken(token));
        return File.Exists(path) ? Read(path) : null;
    }

    /// <summary>Marks the link opened if it is still unopened and unexpired; of concurrent callers exactly one gets <see cref="ConsumeOutcome.Consumed"/>.</summary>
    public ConsumeResult TryConsume(string token, DateTimeOffset now)
    {
        var path = PathFor(HashToken(token));
        lock (_lock)
        {
            if (!File.Exists(path))
            {
                return new ConsumeResult(ConsumeOutcome.NotFound, null);
            }

            var link = Read(path);
            if (link.OpenedAt is not null)
            {
                return new ConsumeResult(ConsumeOutcome.AlreadyOpened, link);
            }

            if (now >= link.ExpiresAt)
            {
                return new ConsumeResult(ConsumeOutcome.Expired, link);
            }

            var opened = link with { OpenedAt = now };
            Write(opened);
            return new ConsumeResult(ConsumeOutcome.Consumed, opened);
        }
    }

    internal static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(token)));

    private void Write(ShareLink link)
    {
        var sealedLink = link with { Seal = ComputeSeal(link) };
        AtomicFile.Write(PathFor(link.TokenHash), JsonSerializer.SerializeToUtf8Bytes(sealedLink, Json));
    }

    private ShareLink Read(string path)
    {
        var link = JsonSerializer.Deserialize<ShareLink>(File.ReadAllBytes(path), Json)!;
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(link.Seal), Encoding.ASCII.GetBytes(ComputeSeal(link))))
        {
            throw new InvalidDataException($"Share link {link.ShareLinkId} was altered in the store.");
        }

        return link;
    }

    private string ComputeSeal(ShareLink link) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_sealKey, JsonSerializer.SerializeToUtf8Bytes(link with { Seal = "" }, Json)));

    private string PathFor(string tokenHash) => Path.Combine(_directory, tokenHash + ".json");

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex("^[A-Za-z0-9_-]{43}$")]
    private static partial Regex TokenFormat();
}

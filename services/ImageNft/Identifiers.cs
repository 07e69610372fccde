using System.Text.RegularExpressions;

namespace HybridEhr.ImageNft;

/// <summary>The shapes the records contract accepts (chaincode/spec/README.md), checked before anything is asked of it.</summary>
public static partial class Identifiers
{
    public static bool IsAccountId(string value) => AccountId().IsMatch(value);

    /// <summary>Record and token ids: 1-128 of A-Z a-z 0-9 . _ : -</summary>
    public static bool IsRecordOrTokenId(string value) => RecordOrTokenId().IsMatch(value);

    public static bool IsSha256Hex(string value) => Sha256Hex().IsMatch(value);

    /// <summary>A fresh token id: 128 random bits as 32 lower-case hex digits. Chosen here (the contract takes a
    /// client-chosen id and refuses duplicates); unguessable, so ids reveal neither order nor count of images.</summary>
    public static string NewTokenId() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    /// <summary>The token id an upload with an idempotency key gets: the same for every retry of that caller and key,
    /// different across callers, and of the same shape as <see cref="NewTokenId"/>.</summary>
    public static string TokenIdFor(string callerAccountId, string idempotencyKey) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes($"hybridehr/image-upload\n{callerAccountId}\n{idempotencyKey}")).AsSpan(0, 16));

    [GeneratedRegex("^0x[0-9a-f]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex AccountId();

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex RecordOrTokenId();

    [GeneratedRegex("^[0-9a-f]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex Sha256Hex();
}

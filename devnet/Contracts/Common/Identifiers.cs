namespace HybridEhr.Devnet.Contracts.Common;

/// <summary>
/// The shapes of the strings the contracts accept. They are deliberately narrow: none of them admits the key
/// separator <see cref="StateKeys.Separator"/>, so composite keys cannot be forged by a crafted id.
/// </summary>
public static class Identifiers
{
    public const int MaxIdLength = 128;
    public const int MaxOrganizationLength = 64;

    /// <summary>
    /// An account: "0x" then 64 lower-case hex digits, a 32-byte public key, the shape of the devnet's account ids and
    /// of ink!'s AccountId, so that every implementation accepts exactly the same ids.
    /// </summary>
    public static bool IsAccountId(string value) =>
        value.Length == 66 && value.StartsWith("0x", StringComparison.Ordinal)
        && value.AsSpan(2).IndexOfAnyExcept("0123456789abcdef") < 0;

    /// <summary>A SHA-256 digest: exactly 64 lower-case hex digits.</summary>
    public static bool IsSha256Hex(string value) =>
        value.Length == 64 && value.AsSpan().IndexOfAnyExcept("0123456789abcdef") < 0;

    /// <summary>A record or token id chosen by the client: 1 to 128 of A-Z a-z 0-9 . _ : -</summary>
    public static bool IsRecordOrTokenId(string value) =>
        value.Length is >= 1 and <= MaxIdLength && value.AsSpan().IndexOfAnyExcept(IdAlphabet) < 0;

    /// <summary>An organisation (MSP) id: 1 to 64 of A-Z a-z 0-9 . _ -</summary>
    public static bool IsOrganizationId(string value) =>
        value.Length is >= 1 and <= MaxOrganizationLength && value.AsSpan().IndexOfAnyExcept(OrganizationAlphabet) < 0;

    /// <summary>An IPFS token URI: "ipfs://" then a CID of 1 to 128 letters and digits (base32 or base58 CIDs).</summary>
    public static bool IsIpfsUri(string value) =>
        value.StartsWith("ipfs://", StringComparison.Ordinal) && value.Length is > 7 and <= 135
        && value.AsSpan(7).IndexOfAnyExcept(AlphanumericAlphabet) < 0;

    private const string AlphanumericAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private const string OrganizationAlphabet = AlphanumericAlphabet + "._-";
    private const string IdAlphabet = OrganizationAlphabet + ":";
}

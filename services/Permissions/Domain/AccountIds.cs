namespace HybridEhr.Permissions.Domain;

/// <summary>Permission-chain account ids: "0x" + 64 lower-case hex digits (an Ed25519 public key).</summary>
public static class AccountIds
{
    public static bool TryNormalize(string? value, out string accountId)
    {
        accountId = (value ?? string.Empty).Trim().ToLowerInvariant();
        return accountId.Length == 66 && accountId.StartsWith("0x", StringComparison.Ordinal) && accountId.AsSpan(2).ContainsAnyExcept("0123456789abcdef") == false;
    }

    /// <summary>The 32 public-key bytes an account id spells.</summary>
    public static byte[] PublicKey(string accountId) => Convert.FromHexString(accountId.AsSpan(2));
}

using System.Security.Cryptography;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace HybridEhr.Devnet.Ledger;

/// <summary>
/// An Ed25519 key pair of a devnet account. The account id is "0x" + lower-case hex of the 32-byte public key, the
/// same string <see cref="CallerIdentity.AccountId"/> carries.
/// </summary>
public sealed class DevnetKey
{
    public const int SeedSize = 32;
    public const int PublicKeySize = 32;
    public const int SignatureSize = 64;

    private readonly byte[] _seed;
    private readonly byte[] _publicKey;

    private DevnetKey(byte[] seed)
    {
        _seed = seed;
        _publicKey = new byte[PublicKeySize];
        Ed25519.GeneratePublicKey(_seed, 0, _publicKey, 0);
        AccountId = AccountIds.FromPublicKey(_publicKey);
    }

    public string AccountId { get; }

    public byte[] PublicKey => (byte[])_publicKey.Clone();

    public static DevnetKey Generate() => new(RandomNumberGenerator.GetBytes(SeedSize));

    /// <summary>A key from its 32-byte RFC 8032 secret seed (deterministic: same seed, same account).</summary>
    public static DevnetKey FromSeed(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != SeedSize)
        {
            throw new ArgumentException($"An Ed25519 seed is {SeedSize} bytes, not {seed.Length}.", nameof(seed));
        }
        return new DevnetKey(seed.ToArray());
    }

    public static DevnetKey FromSeedHex(string seedHex) => FromSeed(Convert.FromHexString(AccountIds.StripHexPrefix(seedHex)));

    /// <summary>The seed, for keystores. Treat as secret.</summary>
    public byte[] ExportSeed() => (byte[])_seed.Clone();

    public byte[] Sign(ReadOnlySpan<byte> message)
    {
        var messageBytes = message.ToArray();
        var signature = new byte[SignatureSize];
        Ed25519.Sign(_seed, 0, messageBytes, 0, messageBytes.Length, signature, 0);
        return signature;
    }

    public static bool Verify(byte[] publicKey, byte[] message, byte[] signature)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(signature);
        if (publicKey.Length != PublicKeySize || signature.Length != SignatureSize)
        {
            return false;
        }
        // BouncyCastle rejects non-canonical S (>= L), which keeps signatures, and so transaction ids, non-malleable.
        return Ed25519.Verify(signature, 0, publicKey, 0, message, 0, message.Length);
    }
}

/// <summary>Account ids: "0x" + lower-case hex of an Ed25519 public key.</summary>
public static class AccountIds
{
    public static string FromPublicKey(ReadOnlySpan<byte> publicKey) => "0x" + Convert.ToHexStringLower(publicKey);

    public static bool TryParse(string? accountId, out byte[] publicKey)
    {
        publicKey = [];
        if (accountId is null || accountId.Length != 2 + (2 * DevnetKey.PublicKeySize) || !accountId.StartsWith("0x", StringComparison.Ordinal))
        {
            return false;
        }
        foreach (var c in accountId.AsSpan(2))
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }
        publicKey = Convert.FromHexString(accountId.AsSpan(2));
        return true;
    }

    internal static string StripHexPrefix(string hex) =>
        hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? hex[2..] : hex;
}

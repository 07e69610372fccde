using System.Security.Cryptography;
using System.Text;
using HybridEhr.Files;

namespace HybridEhr.FabricGateway.Identities;

/// <summary>
/// The key (configuration "FabricGateway:MasterKey", base64 of 32 bytes) under which the wallet seals members' Fabric
/// private keys with AES-256-GCM. Without configuration a development key is generated into the data directory, with a
/// warning, as the other services do for their master keys.
/// </summary>
public sealed partial class WalletKey
{
    public const string ConfigurationKey = "FabricGateway:MasterKey";
    public const int KeySize = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const string DevelopmentKeyFile = "fabric-wallet.key";

    private readonly byte[] _key;

    public WalletKey(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _key = key.Length == KeySize
            ? (byte[])key.Clone()
            : throw new ArgumentException($"{ConfigurationKey} must be {KeySize} bytes (base64 of 32 random bytes).", nameof(key));
    }

    public static WalletKey Load(string? configuredBase64, string dataDirectory, ILogger logger)
    {
        if (!string.IsNullOrWhiteSpace(configuredBase64))
        {
            byte[] configured;
            try
            {
                configured = Convert.FromBase64String(configuredBase64.Trim());
            }
            catch (FormatException)
            {
                throw new InvalidOperationException($"{ConfigurationKey} is not base64; give base64 of 32 random bytes (e.g. `openssl rand -base64 32`).");
            }

            return configured.Length == KeySize
                ? new WalletKey(configured)
                : throw new InvalidOperationException($"{ConfigurationKey} decodes to {configured.Length} bytes; it must be {KeySize}.");
        }

        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, DevelopmentKeyFile);
        AtomicFile.TryCreate(path, Encoding.ASCII.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(KeySize))), AtomicFile.OwnerOnly);

        LogDevelopmentKey(logger, path);
        var key = Convert.FromBase64String(File.ReadAllText(path, Encoding.ASCII).Trim());
        return key.Length == KeySize ? new WalletKey(key) : throw new InvalidOperationException($"{path} does not hold a {KeySize}-byte key; it was altered.");
    }

    /// <summary>nonce ‖ ciphertext ‖ tag; <paramref name="associatedData"/> binds the secret to what it belongs to.</summary>
    public byte[] Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        var output = new byte[NonceSize + plaintext.Length + TagSize];
        RandomNumberGenerator.Fill(output.AsSpan(0, NonceSize));
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(output.AsSpan(0, NonceSize), plaintext, output.AsSpan(NonceSize, plaintext.Length), output.AsSpan(NonceSize + plaintext.Length), associatedData);
        return output;
    }

    /// <summary>The plaintext, or <see cref="CryptographicException"/> when the box or its associated data were altered.</summary>
    public byte[] Open(ReadOnlySpan<byte> sealedBytes, ReadOnlySpan<byte> associatedData)
    {
        if (sealedBytes.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("Truncated sealed value.");
        }

        var length = sealedBytes.Length - NonceSize - TagSize;
        var plaintext = new byte[length];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(sealedBytes[..NonceSize], sealedBytes.Slice(NonceSize, length), sealedBytes[(NonceSize + length)..], plaintext, associatedData);
        return plaintext;
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "FabricGateway:MasterKey is not set: the Fabric wallet uses the DEVELOPMENT key file {Path}. Anyone who can read the data directory can use the members' Fabric keys; set FabricGateway:MasterKey in production")]
    private static partial void LogDevelopmentKey(ILogger logger, string path);
}

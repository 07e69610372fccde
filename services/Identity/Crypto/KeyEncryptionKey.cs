using System.Security.Cryptography;
using System.Text.Json.Serialization;
using System.Text;
using HybridEhr.Files;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace HybridEhr.Identity.Crypto;

/// <summary>
/// Something sealed with envelope encryption: a fresh AES-256-GCM data key encrypts the content, and the key-encryption
/// key wraps the data key. All parts are base64 in JSON.
/// </summary>
public sealed record SealedBox(
    [property: JsonPropertyName("wrapped_key")] byte[] WrappedKey,
    [property: JsonPropertyName("nonce")] byte[] Nonce,
    [property: JsonPropertyName("ciphertext")] byte[] Ciphertext,
    [property: JsonPropertyName("tag")] byte[] Tag);

/// <summary>
/// The key-encryption key (KEK) under which Identity seals personal data, chain keys and its token-signing key.
/// Each sealed item is bound to a context string (e.g. its account id) as associated data, so a sealed value copied
/// into another account's file fails to open instead of being accepted.
/// </summary>
public sealed partial class KeyEncryptionKey
{
    public const int KeySize = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const string DevelopmentKeyFile = "master.key";

    private readonly byte[] _key;

    public KeyEncryptionKey(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length != KeySize)
        {
            throw new ArgumentException($"The master key must be {KeySize} bytes (base64 of 32 random bytes).", nameof(key));
        }

        _key = (byte[])key.Clone();
    }

    /// <summary>
    /// The configured master key (base64 of 32 bytes), or a development key generated into the data directory on
    /// first start, with a warning: anyone who can read that directory can then read everything in it.
    /// </summary>
    public static KeyEncryptionKey Load(string? configuredBase64, string dataDirectory, ILogger logger)
    {
        if (configuredBase64 is not null)
        {
            byte[] configured;
            try
            {
                configured = Convert.FromBase64String(configuredBase64);
            }
            catch (FormatException)
            {
                throw new InvalidOperationException("Identity:MasterKey is not base64; give base64 of 32 random bytes (e.g. `openssl rand -base64 32`).");
            }

            return configured.Length == KeySize
                ? new KeyEncryptionKey(configured)
                : throw new InvalidOperationException($"Identity:MasterKey decodes to {configured.Length} bytes; it must be 32.");
        }

        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, DevelopmentKeyFile);
        AtomicFile.TryCreate(path, Encoding.ASCII.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(KeySize))), AtomicFile.OwnerOnly);

        LogDevelopmentKey(logger, path);
        var key = Convert.FromBase64String(File.ReadAllText(path, Encoding.ASCII).Trim());
        return key.Length == KeySize
            ? new KeyEncryptionKey(key)
            : throw new InvalidOperationException($"{path} does not hold a 32-byte key; it was altered.");
    }

    public SealedBox Seal(ReadOnlySpan<byte> plaintext, string context)
    {
        var associatedData = Encoding.UTF8.GetBytes(context);
        var dataKey = RandomNumberGenerator.GetBytes(KeySize);
        try
        {
            var wrapped = Encrypt(_key, dataKey, associatedData);
            var nonce = RandomNumberGenerator.GetBytes(NonceSize);
            var ciphertext = new byte[plaintext.Length];
            var tag = new byte[TagSize];
            using (var aes = new AesGcm(dataKey, TagSize))
            {
                aes.Encrypt(nonce, plaintext, ciphertext, tag, associatedData);
            }

            return new SealedBox(wrapped, nonce, ciphertext, tag);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>The plaintext; DATA_LOSS when the box was altered, sealed for another context, or under another master key.</summary>
    public byte[] Open(SealedBox box, string context)
    {
        ArgumentNullException.ThrowIfNull(box);
        var associatedData = Encoding.UTF8.GetBytes(context);
        byte[]? dataKey = null;
        try
        {
            dataKey = Decrypt(_key, box.WrappedKey, associatedData);
            if (dataKey.Length != KeySize || box.Nonce.Length != NonceSize || box.Tag.Length != TagSize)
            {
                throw new CryptographicException("Malformed sealed box.");
            }

            var plaintext = new byte[box.Ciphertext.Length];
            using var aes = new AesGcm(dataKey, TagSize);
            aes.Decrypt(box.Nonce, box.Ciphertext, box.Tag, plaintext, associatedData);
            return plaintext;
        }
        catch (CryptographicException)
        {
            throw new RpcException(new Status(StatusCode.DataLoss,
                "Stored identity data failed its integrity check (altered on disk, or a different master key); it cannot be used."));
        }
        finally
        {
            if (dataKey is not null)
            {
                CryptographicOperations.ZeroMemory(dataKey);
            }
        }
    }

    /// <summary>nonce ‖ ciphertext ‖ tag.</summary>
    private static byte[] Encrypt(byte[] key, ReadOnlySpan<byte> plaintext, byte[] associatedData)
    {
        var output = new byte[NonceSize + plaintext.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(NonceSize, plaintext.Length), output.AsSpan(NonceSize + plaintext.Length), associatedData);
        return output;
    }

    private static byte[] Decrypt(byte[] key, byte[] sealedBytes, byte[] associatedData)
    {
        if (sealedBytes.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("Truncated wrapped key.");
        }

        var length = sealedBytes.Length - NonceSize - TagSize;
        var plaintext = new byte[length];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize, length), sealedBytes.AsSpan(NonceSize + length), plaintext, associatedData);
        return plaintext;
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Identity:MasterKey is not set: using the DEVELOPMENT key file {Path}. Anyone who can read the data directory can decrypt it; set Identity:MasterKey in production")]
    private static partial void LogDevelopmentKey(ILogger logger, string path);
}

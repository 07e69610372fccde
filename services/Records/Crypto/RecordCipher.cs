using System.Security.Cryptography;
using System.Text;

namespace HybridEhr.Records.Crypto;

/// <summary>A version's encrypted form: the ciphertext envelope (anchored by its hash) and its wrapped data key (kept apart, so destroying it erases the content without touching what was anchored).</summary>
/// <param name="Envelope">nonce (12) ‖ ciphertext ‖ tag (16), AES-256-GCM under the data key.</param>
/// <param name="WrappedKey">nonce (12) ‖ encrypted data key (32) ‖ tag (16), AES-256-GCM under the key-encryption key.</param>
public sealed record EncryptedVersion(byte[] Envelope, byte[] WrappedKey);

/// <summary>Decryption failed: wrong key, or the envelope or wrapped key was altered.</summary>
public sealed class DecryptionFailedException(string message) : Exception(message);

/// <summary>
/// Envelope encryption of record versions: a fresh 256-bit data key per version, wrapped by the key-encryption key.
/// Both layers bind the record id and version as associated data, so an envelope moved to another record or version
/// fails to decrypt instead of being served as that record.
/// </summary>
public sealed class RecordCipher(KeyEncryptionKey keyEncryptionKey)
{
    private readonly byte[] _titleKey = keyEncryptionKey.Derive("titles");

    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int KeySize = 32;

    public EncryptedVersion Encrypt(string recordId, long version, ReadOnlySpan<byte> plaintext)
    {
        var dataKey = RandomNumberGenerator.GetBytes(KeySize);
        try
        {
            var envelope = Seal(dataKey, plaintext, AssociatedData("content", recordId, version));
            var wrappedKey = Seal(keyEncryptionKey.Key, dataKey, AssociatedData("data-key", recordId, version));
            return new EncryptedVersion(envelope, wrappedKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    public byte[] Decrypt(string recordId, long version, EncryptedVersion encrypted)
    {
        var dataKey = Open(keyEncryptionKey.Key, encrypted.WrappedKey, AssociatedData("data-key", recordId, version), "data key");
        try
        {
            return Open(dataKey, encrypted.Envelope, AssociatedData("content", recordId, version), "record content");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>Titles are shown in lists without decrypting whole documents, yet can be clinical; they are kept encrypted too.</summary>
    public byte[]? SealTitle(string recordId, string title) =>
        title.Length == 0 ? null : Seal(_titleKey, Encoding.UTF8.GetBytes(title), AssociatedData("title", recordId, 0));

    /// <summary>The title, or empty when none was stored or it cannot be opened (a list shows the record either way).</summary>
    public string OpenTitle(string recordId, byte[]? sealedTitle)
    {
        if (sealedTitle is null)
        {
            return "";
        }

        try
        {
            return Encoding.UTF8.GetString(Open(_titleKey, sealedTitle, AssociatedData("title", recordId, 0), "title"));
        }
        catch (DecryptionFailedException)
        {
            return "";
        }
    }

    /// <summary>SHA-256 hex, lower case, as the chain stores hashes.</summary>
    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static byte[] AssociatedData(string purpose, string recordId, long version) =>
        Encoding.UTF8.GetBytes($"hybridehr.records.v1/{purpose}/{recordId}/{version}");

    private static byte[] Seal(byte[] key, ReadOnlySpan<byte> plaintext, byte[] associatedData)
    {
        var output = new byte[NonceSize + plaintext.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(NonceSize, plaintext.Length), output.AsSpan(NonceSize + plaintext.Length), associatedData);
        return output;
    }

    private static byte[] Open(byte[] key, byte[] sealedBytes, byte[] associatedData, string what)
    {
        if (sealedBytes.Length < NonceSize + TagSize)
        {
            throw new DecryptionFailedException($"The {what} is truncated.");
        }

        var length = sealedBytes.Length - NonceSize - TagSize;
        var plaintext = new byte[length];
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize, length), sealedBytes.AsSpan(NonceSize + length), plaintext, associatedData);
            return plaintext;
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new DecryptionFailedException($"The {what} fails authenticated decryption.");
        }
    }
}

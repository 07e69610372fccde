using System.Security.Cryptography;
using System.Text;

namespace HybridEhr.ImageNft.Crypto;

/// <summary>
/// Wraps each image's data key (AES-256-GCM under the master key, bound to the token id), so the master key never
/// touches image bytes and destroying one wrapped key erases one image (crypto-shredding).
/// The service shares one instance across concurrent calls, and an <see cref="AesGcm"/> instance is not safe for
/// concurrent use (a shared one failed wraps and forged false integrity failures under load), so each call makes its
/// own; constructing one is cheap next to the work around it.
/// </summary>
public sealed class KeyEncryptionKey
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _masterKey;

    public KeyEncryptionKey(ReadOnlySpan<byte> masterKey)
    {
        if (masterKey.Length != ImageCipher.KeySize)
        {
            throw new ArgumentException($"The master key must be {ImageCipher.KeySize} bytes.", nameof(masterKey));
        }

        _masterKey = masterKey.ToArray();
    }

    /// <summary>nonce ‖ encrypted key ‖ tag.</summary>
    public byte[] Wrap(ReadOnlySpan<byte> dataKey, string tokenId)
    {
        var wrapped = new byte[NonceSize + dataKey.Length + TagSize];
        RandomNumberGenerator.Fill(wrapped.AsSpan(0, NonceSize));
        using var aes = new AesGcm(_masterKey, TagSize);
        aes.Encrypt(wrapped.AsSpan(0, NonceSize), dataKey, wrapped.AsSpan(NonceSize, dataKey.Length),
            wrapped.AsSpan(NonceSize + dataKey.Length), Context(tokenId));
        return wrapped;
    }

    /// <summary>Throws <see cref="CryptographicException"/> if the wrapped key was altered, belongs to another token, or
    /// was wrapped under another master key.</summary>
    public byte[] Unwrap(ReadOnlySpan<byte> wrapped, string tokenId)
    {
        if (wrapped.Length != NonceSize + ImageCipher.KeySize + TagSize)
        {
            throw new CryptographicException("The wrapped data key has the wrong length.");
        }

        var dataKey = new byte[ImageCipher.KeySize];
        using var aes = new AesGcm(_masterKey, TagSize);
        aes.Decrypt(wrapped[..NonceSize], wrapped.Slice(NonceSize, ImageCipher.KeySize), wrapped[(NonceSize + ImageCipher.KeySize)..], dataKey, Context(tokenId));
        return dataKey;
    }

    private static byte[] Context(string tokenId) => Encoding.UTF8.GetBytes("hybridehr/imagenft/data-key/v1:" + tokenId);
}

using System.Security.Cryptography;
using System.Text;

namespace HybridEhr.ImageNft.Crypto;

/// <summary>
/// Short texts kept beside an image that may name the person (an original file name often does), sealed with the
/// image's data key: AES-256-GCM, nonce ‖ ciphertext ‖ tag, bound to the token. Erasing the key erases them too.
/// </summary>
public static class SealedText
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public static byte[] Seal(ReadOnlySpan<byte> dataKey, string text, string tokenId)
    {
        var plaintext = Encoding.UTF8.GetBytes(text);
        var sealedText = new byte[NonceSize + plaintext.Length + TagSize];
        RandomNumberGenerator.Fill(sealedText.AsSpan(0, NonceSize));
        using var aes = new AesGcm(dataKey, TagSize);
        aes.Encrypt(sealedText.AsSpan(0, NonceSize), plaintext, sealedText.AsSpan(NonceSize, plaintext.Length),
            sealedText.AsSpan(NonceSize + plaintext.Length), Context(tokenId));
        return sealedText;
    }

    /// <summary>Throws <see cref="CryptographicException"/> when the sealed text was altered or belongs to another token.</summary>
    public static string Open(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> sealedText, string tokenId)
    {
        if (sealedText.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("The sealed text is truncated.");
        }

        var plaintext = new byte[sealedText.Length - NonceSize - TagSize];
        using var aes = new AesGcm(dataKey, TagSize);
        aes.Decrypt(sealedText[..NonceSize], sealedText.Slice(NonceSize, plaintext.Length), sealedText[^TagSize..], plaintext, Context(tokenId));
        return Encoding.UTF8.GetString(plaintext);
    }

    private static byte[] Context(string tokenId) => Encoding.UTF8.GetBytes("hybridehr/imagenft/file-name/v1:" + tokenId);
}

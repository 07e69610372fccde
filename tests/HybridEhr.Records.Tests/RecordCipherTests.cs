using System.Security.Cryptography;
using System.Text;
using HybridEhr.Records.Crypto;
using Xunit;

namespace HybridEhr.Records.Tests;

public sealed class RecordCipherTests
{
    private readonly RecordCipher _cipher = new(new KeyEncryptionKey(RandomNumberGenerator.GetBytes(32)));
    private readonly byte[] _plaintext = Encoding.UTF8.GetBytes("{\"title\":\"x\"}");

    [Fact]
    public void Decrypts_what_it_encrypted()
    {
        var encrypted = _cipher.Encrypt("r-1", 1, _plaintext);

        Assert.Equal(_plaintext, _cipher.Decrypt("r-1", 1, encrypted));
    }

    [Fact]
    public void Every_version_gets_a_fresh_data_key_and_nonce()
    {
        var first = _cipher.Encrypt("r-1", 1, _plaintext);
        var second = _cipher.Encrypt("r-1", 1, _plaintext);

        Assert.NotEqual(first.Envelope, second.Envelope);
        Assert.NotEqual(first.WrappedKey, second.WrappedKey);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(12)]
    [InlineData(-1)]
    public void A_flipped_bit_in_the_envelope_fails_decryption(int position)
    {
        var encrypted = _cipher.Encrypt("r-1", 1, _plaintext);
        var index = position < 0 ? encrypted.Envelope.Length - 1 : position;
        encrypted.Envelope[index] ^= 0x01;

        Assert.Throws<DecryptionFailedException>(() => _cipher.Decrypt("r-1", 1, encrypted));
    }

    [Fact]
    public void A_tampered_wrapped_key_fails_decryption()
    {
        var encrypted = _cipher.Encrypt("r-1", 1, _plaintext);
        encrypted.WrappedKey[20] ^= 0x80;

        Assert.Throws<DecryptionFailedException>(() => _cipher.Decrypt("r-1", 1, encrypted));
    }

    [Fact]
    public void An_envelope_moved_to_another_record_or_version_fails_decryption()
    {
        var encrypted = _cipher.Encrypt("r-1", 1, _plaintext);

        Assert.Throws<DecryptionFailedException>(() => _cipher.Decrypt("r-2", 1, encrypted));
        Assert.Throws<DecryptionFailedException>(() => _cipher.Decrypt("r-1", 2, encrypted));
    }

    [Fact]
    public void Another_key_encryption_key_cannot_decrypt()
    {
        var encrypted = _cipher.Encrypt("r-1", 1, _plaintext);
        var other = new RecordCipher(new KeyEncryptionKey(RandomNumberGenerator.GetBytes(32)));

        Assert.Throws<DecryptionFailedException>(() => other.Decrypt("r-1", 1, encrypted));
    }

    [Fact]
    public void Titles_are_sealed_and_opened()
    {
        var sealedTitle = _cipher.SealTitle("r-1", "Pneumonia");

        Assert.DoesNotContain("Pneumonia", Encoding.UTF8.GetString(sealedTitle!), StringComparison.Ordinal);
        Assert.Equal("Pneumonia", _cipher.OpenTitle("r-1", sealedTitle));
        Assert.Equal("", _cipher.OpenTitle("r-2", sealedTitle));
    }
}

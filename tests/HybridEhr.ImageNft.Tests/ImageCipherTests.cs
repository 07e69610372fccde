using System.Security.Cryptography;
using Grpc.Core;
using HybridEhr.ImageNft.Content;
using HybridEhr.ImageNft.Crypto;
using HybridEhr.ImageNft.Downloads;
using Xunit;

namespace HybridEhr.ImageNft.Tests;

/// <summary>Segmented AES-256-GCM: any change to the stored bytes is detected before they are used.</summary>
public sealed class ImageCipherTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);

    [Theory]
    [InlineData(1)]
    [InlineData(ImageCipher.SegmentSize)]
    [InlineData(ImageCipher.SegmentSize + 1)]
    [InlineData(3 * ImageCipher.SegmentSize + 17)]
    public async Task Decrypts_what_it_encrypted(int length)
    {
        var plaintext = ContentIdTests.Pattern(length);
        var stored = Encrypt(plaintext, "token-1");

        Assert.Equal(ImageCipher.CiphertextLength(length), stored.Length);
        Assert.Equal(plaintext, await DecryptAsync(stored, "token-1"));
    }

    [Fact]
    public void The_same_image_encrypts_differently_each_time() =>
        Assert.NotEqual(Encrypt(Images.Png(100), "t"), Encrypt(Images.Png(100), "t"));

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(20)]
    [InlineData(70_000)]
    [InlineData(-1)]
    public async Task A_flipped_byte_anywhere_is_detected(int position)
    {
        var stored = Encrypt(ContentIdTests.Pattern(150_000), "token-1");
        stored[position < 0 ? stored.Length + position : position] ^= 0x01;

        await Assert.ThrowsAnyAsync<CryptographicException>(() => DecryptAsync(stored, "token-1"));
    }

    [Fact]
    public async Task A_truncated_image_is_detected_even_at_a_segment_boundary()
    {
        var stored = Encrypt(ContentIdTests.Pattern(3 * ImageCipher.SegmentSize), "token-1");
        var withoutLastSegment = stored[..(ImageCipher.HeaderSize + (2 * ImageCipher.EncryptedSegmentSize))];

        await Assert.ThrowsAnyAsync<CryptographicException>(() => DecryptAsync(withoutLastSegment, "token-1"));
    }

    [Fact]
    public async Task Swapped_segments_are_detected()
    {
        var stored = Encrypt(ContentIdTests.Pattern(3 * ImageCipher.SegmentSize), "token-1");
        var first = stored.AsSpan(ImageCipher.HeaderSize, ImageCipher.EncryptedSegmentSize).ToArray();
        stored.AsSpan(ImageCipher.HeaderSize + ImageCipher.EncryptedSegmentSize, ImageCipher.EncryptedSegmentSize).CopyTo(stored.AsSpan(ImageCipher.HeaderSize));
        first.CopyTo(stored.AsSpan(ImageCipher.HeaderSize + ImageCipher.EncryptedSegmentSize));

        await Assert.ThrowsAnyAsync<CryptographicException>(() => DecryptAsync(stored, "token-1"));
    }

    [Fact]
    public async Task Another_tokens_image_does_not_decrypt_under_this_token()
    {
        var stored = Encrypt(Images.Png(1000), "token-1");

        await Assert.ThrowsAnyAsync<CryptographicException>(() => DecryptAsync(stored, "token-2"));
    }

    [Fact]
    public void A_wrapped_key_opens_only_for_its_token_and_master_key()
    {
        var master = new KeyEncryptionKey(RandomNumberGenerator.GetBytes(32));
        var otherMaster = new KeyEncryptionKey(RandomNumberGenerator.GetBytes(32));
        var wrapped = master.Wrap(Key, "token-1");

        Assert.Equal(Key, master.Unwrap(wrapped, "token-1"));
        Assert.ThrowsAny<CryptographicException>(() => master.Unwrap(wrapped, "token-2"));
        Assert.ThrowsAny<CryptographicException>(() => otherMaster.Unwrap(wrapped, "token-1"));
        wrapped[20] ^= 1;
        Assert.ThrowsAny<CryptographicException>(() => master.Unwrap(wrapped, "token-1"));
    }

    [Fact]
    public async Task One_master_key_wraps_and_unwraps_for_fifty_concurrent_callers_without_errors()
    {
        // The service holds one KeyEncryptionKey for all calls; a shared AesGcm inside it once failed wraps and
        // reported intact keys as altered under this kind of load.
        var master = new KeyEncryptionKey(RandomNumberGenerator.GetBytes(32));
        var failures = 0;
        using var start = new ManualResetEventSlim();
        var callers = Enumerable.Range(0, 50).Select(caller => Task.Factory.StartNew(() =>
        {
            start.Wait();
            for (var i = 0; i < 400; i++)
            {
                var tokenId = $"token-{caller}-{i}";
                var dataKey = RandomNumberGenerator.GetBytes(ImageCipher.KeySize);
                try
                {
                    if (!master.Unwrap(master.Wrap(dataKey, tokenId), tokenId).AsSpan().SequenceEqual(dataKey))
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
                catch (CryptographicException)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }, TaskCreationOptions.LongRunning)).ToArray();

        start.Set();
        await Task.WhenAll(callers);

        Assert.Equal(0, failures);
    }

    [Fact]
    public async Task The_verifier_accepts_an_intact_image_and_reports_its_size()
    {
        var plaintext = Images.Png(200_000);
        var stored = Encrypt(plaintext, "token-1");

        var size = await StoredImageVerifier.VerifyAsync(new MemoryStream(stored), Key, Expectation(stored, plaintext), default);

        Assert.Equal(plaintext.Length, size);
    }

    [Fact]
    public async Task The_verifier_calls_a_changed_blob_tampered()
    {
        var plaintext = Images.Png(200_000);
        var stored = Encrypt(plaintext, "token-1");
        var expectation = Expectation(stored, plaintext);
        stored[100_000] ^= 0x80;

        var error = await Assert.ThrowsAsync<RpcException>(() => StoredImageVerifier.VerifyAsync(new MemoryStream(stored), Key, expectation, default));
        Assert.Equal(StatusCode.DataLoss, error.StatusCode);
        Assert.Contains("tampered with or replaced", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_verifier_refuses_a_plaintext_that_differs_from_the_tokens_hash()
    {
        var plaintext = Images.Png(1000);
        var stored = Encrypt(plaintext, "token-1");
        var expectation = Expectation(stored, plaintext) with { ContentHash = new string('0', 64) };

        var error = await Assert.ThrowsAsync<RpcException>(() => StoredImageVerifier.VerifyAsync(new MemoryStream(stored), Key, expectation, default));
        Assert.Equal(StatusCode.DataLoss, error.StatusCode);
        Assert.Contains("content hash", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_verifier_refuses_an_intact_blob_under_the_wrong_key()
    {
        var plaintext = Images.Png(1000);
        var stored = Encrypt(plaintext, "token-1");

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            StoredImageVerifier.VerifyAsync(new MemoryStream(stored), RandomNumberGenerator.GetBytes(32), Expectation(stored, plaintext), default));
        Assert.Equal(StatusCode.DataLoss, error.StatusCode);
        Assert.Contains("cannot be decrypted", error.Status.Detail, StringComparison.Ordinal);
    }

    private static ImageExpectation Expectation(byte[] stored, byte[] plaintext) =>
        new("token-1", UnixFsCidBuilder.Compute(stored).ToString(), Convert.ToHexStringLower(SHA256.HashData(plaintext)));

    internal static byte[] Encrypt(byte[] plaintext, string tokenId, byte[]? key = null)
    {
        var stored = new MemoryStream();
        using var encryptor = new ImageEncryptor(key ?? Key, ImageCipher.AssociatedDataFor(tokenId), bytes => stored.Write(bytes));
        encryptor.Append(plaintext.AsSpan(0, plaintext.Length / 3));
        encryptor.Append(plaintext.AsSpan(plaintext.Length / 3));
        encryptor.Complete();
        return stored.ToArray();
    }

    private static async Task<byte[]> DecryptAsync(byte[] stored, string tokenId)
    {
        using var decryptor = new ImageDecryptor(new MemoryStream(stored), Key, ImageCipher.AssociatedDataFor(tokenId));
        var plaintext = new MemoryStream();
        var segment = new byte[ImageCipher.SegmentSize];
        int read;
        while ((read = await decryptor.ReadSegmentAsync(segment, default)) > 0)
        {
            plaintext.Write(segment, 0, read);
        }

        return plaintext.ToArray();
    }
}

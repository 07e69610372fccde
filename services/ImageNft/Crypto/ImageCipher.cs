using System.Buffers.Binary;
using System.Security.Cryptography;

namespace HybridEhr.ImageNft.Crypto;

/// <summary>
/// The stored form of an image: AES-256-GCM in segments, so images of any size are encrypted and decrypted while
/// streaming with bounded memory, and every segment is authenticated before its bytes are used.
/// </summary>
/// <remarks>
/// Layout: <c>"HEI1"</c> ‖ 7-byte random nonce prefix ‖ segments; each segment is up to <see cref="SegmentSize"/>
/// bytes of ciphertext followed by its 16-byte tag. Segment i's nonce is prefix ‖ i (32-bit big-endian) ‖ last-flag
/// (the STREAM construction): reordering, dropping or truncating segments breaks a tag. Each segment's associated
/// data binds the ciphertext to its image (the token id), so blobs cannot be swapped between tokens.
/// </remarks>
public static class ImageCipher
{
    public const int KeySize = 32;
    public const int SegmentSize = 64 * 1024;
    public const int TagSize = 16;
    public const int NoncePrefixSize = 7;
    public const int EncryptedSegmentSize = SegmentSize + TagSize;

    internal static readonly byte[] Magic = "HEI1"u8.ToArray();

    public static int HeaderSize => Magic.Length + NoncePrefixSize;

    /// <summary>The associated data that binds a stored image to its token.</summary>
    public static byte[] AssociatedDataFor(string tokenId) => System.Text.Encoding.UTF8.GetBytes("hybridehr/imagenft/image/v1:" + tokenId);

    /// <summary>Size of the stored form of <paramref name="plaintextLength"/> bytes.</summary>
    public static long CiphertextLength(long plaintextLength) =>
        HeaderSize + plaintextLength + (((plaintextLength + SegmentSize - 1) / SegmentSize) * TagSize);

    internal static byte[] Nonce(ReadOnlySpan<byte> prefix, uint segmentIndex, bool last)
    {
        var nonce = new byte[12];
        prefix.CopyTo(nonce);
        BinaryPrimitives.WriteUInt32BigEndian(nonce.AsSpan(NoncePrefixSize), segmentIndex);
        nonce[11] = last ? (byte)1 : (byte)0;
        return nonce;
    }
}

/// <summary>Where encrypted bytes go as they are produced (a staging file and the CID computation, for instance).</summary>
public delegate void CiphertextSink(ReadOnlySpan<byte> ciphertext);

/// <summary>Encrypts a plaintext handed over in pieces of any size; call <see cref="Complete"/> after the last piece.</summary>
public sealed class ImageEncryptor : IDisposable
{
    private readonly AesGcm _aes;
    private readonly byte[] _associatedData;
    private readonly CiphertextSink _sink;
    private readonly byte[] _noncePrefix = RandomNumberGenerator.GetBytes(ImageCipher.NoncePrefixSize);
    private readonly byte[] _segment = new byte[ImageCipher.SegmentSize];
    private readonly byte[] _encrypted = new byte[ImageCipher.EncryptedSegmentSize];
    private int _filled;
    private uint _segmentIndex;
    private bool _completed;

    public ImageEncryptor(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> associatedData, CiphertextSink sink)
    {
        _aes = new AesGcm(dataKey, ImageCipher.TagSize);
        _associatedData = associatedData.ToArray();
        _sink = sink;
        sink(ImageCipher.Magic);
        sink(_noncePrefix);
    }

    public void Append(ReadOnlySpan<byte> plaintext)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        while (!plaintext.IsEmpty)
        {
            // A full segment is sealed only once more data arrives: the last segment must carry the last-flag.
            if (_filled == ImageCipher.SegmentSize)
            {
                Seal(last: false);
            }

            var take = Math.Min(plaintext.Length, ImageCipher.SegmentSize - _filled);
            plaintext[..take].CopyTo(_segment.AsSpan(_filled));
            _filled += take;
            plaintext = plaintext[take..];
        }
    }

    public void Complete()
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (_filled == 0)
        {
            throw new InvalidOperationException("An image has at least one byte.");
        }

        Seal(last: true);
        _completed = true;
    }

    public void Dispose()
    {
        _aes.Dispose();
        CryptographicOperations.ZeroMemory(_segment);
    }

    private void Seal(bool last)
    {
        var nonce = ImageCipher.Nonce(_noncePrefix, _segmentIndex++, last);
        var ciphertext = _encrypted.AsSpan(0, _filled);
        _aes.Encrypt(nonce, _segment.AsSpan(0, _filled), ciphertext, _encrypted.AsSpan(_filled, ImageCipher.TagSize), _associatedData);
        _sink(_encrypted.AsSpan(0, _filled + ImageCipher.TagSize));
        _filled = 0;
    }
}

/// <summary>
/// Reads the stored form back, one authenticated segment at a time. Every byte read from the source is also handed to
/// an optional observer, so the CID of exactly what was decrypted can be checked in the same pass.
/// </summary>
public sealed class ImageDecryptor : IDisposable
{
    private readonly Stream _source;
    private readonly AesGcm _aes;
    private readonly byte[] _associatedData;
    private readonly CiphertextSink? _observer;
    private byte[] _current = new byte[ImageCipher.EncryptedSegmentSize];
    private byte[] _next = new byte[ImageCipher.EncryptedSegmentSize];
    private byte[]? _noncePrefix;
    private int _currentLength;
    private uint _segmentIndex;
    private bool _finished;

    public ImageDecryptor(Stream source, ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> associatedData, CiphertextSink? observer = null)
    {
        _source = source;
        _aes = new AesGcm(dataKey, ImageCipher.TagSize);
        _associatedData = associatedData.ToArray();
        _observer = observer;
    }

    /// <summary>
    /// Decrypts the next segment into <paramref name="destination"/> (at least <see cref="ImageCipher.SegmentSize"/>
    /// bytes) and returns its length; 0 after the last one. Throws <see cref="CryptographicException"/> when the stored
    /// bytes are not what was encrypted (tampered, truncated, reordered, or another image's).
    /// </summary>
    public async ValueTask<int> ReadSegmentAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (_finished)
        {
            return 0;
        }

        if (_noncePrefix is null)
        {
            var header = new byte[ImageCipher.HeaderSize];
            if (await FillAsync(header, cancellationToken).ConfigureAwait(false) != header.Length || !header.AsSpan(0, ImageCipher.Magic.Length).SequenceEqual(ImageCipher.Magic))
            {
                throw new CryptographicException("The stored image does not start with the expected header.");
            }

            _noncePrefix = header[ImageCipher.Magic.Length..];
            _currentLength = await FillAsync(_current, cancellationToken).ConfigureAwait(false);
        }

        if (_currentLength <= ImageCipher.TagSize)
        {
            throw new CryptographicException("The stored image is truncated.");
        }

        // Look one segment ahead: only the segment with nothing after it may carry the last-flag.
        var nextLength = _currentLength == ImageCipher.EncryptedSegmentSize ? await FillAsync(_next, cancellationToken).ConfigureAwait(false) : 0;
        var last = nextLength == 0;
        var plaintextLength = _currentLength - ImageCipher.TagSize;
        var nonce = ImageCipher.Nonce(_noncePrefix, _segmentIndex++, last);
        _aes.Decrypt(nonce, _current.AsSpan(0, plaintextLength), _current.AsSpan(plaintextLength, ImageCipher.TagSize),
            destination.Span[..plaintextLength], _associatedData);

        (_current, _next) = (_next, _current);
        _currentLength = nextLength;
        _finished = last;
        return plaintextLength;
    }

    public void Dispose() => _aes.Dispose();

    private async ValueTask<int> FillAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        int read;
        while (filled < buffer.Length && (read = await _source.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false)) > 0)
        {
            filled += read;
        }

        _observer?.Invoke(buffer.AsSpan(0, filled));
        return filled;
    }
}

using System.Security.Cryptography;
using HybridEhr.Contracts.ImageNft.V1;
using Grpc.Core;
using HybridEhr.ImageNft.Content;
using HybridEhr.ImageNft.Crypto;

namespace HybridEhr.ImageNft.Uploads;

/// <summary>The plaintext received: its SHA-256 (lower-case hex) and length.</summary>
public sealed record ReceivedImage(string ContentHash, long SizeBytes);

/// <summary>
/// Takes an upload's chunks as they arrive and refuses it at the first broken rule, before more is read: chunk sizes,
/// the declared size (never a byte more), the server's limit, and the magic number of the declared type. Accepted bytes
/// are hashed and handed to the encryptor, so the plaintext is never held whole nor written to disk.
/// </summary>
public sealed class ImageStreamReceiver : IDisposable
{
    public const int MaxChunkBytes = 1024 * 1024;

    private readonly ValidatedUpload _upload;
    private readonly long _maxImageBytes;
    private readonly ImageEncryptor _encryptor;
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _head = new byte[ImageSignatures.LongestSignature];
    private readonly int _signatureLength;
    private bool _signatureChecked;

    public ImageStreamReceiver(ValidatedUpload upload, long maxImageBytes, ImageEncryptor encryptor)
    {
        _upload = upload;
        _maxImageBytes = maxImageBytes;
        _encryptor = encryptor;
        _signatureLength = ImageSignatures.RequiredLength(upload.ContentType);
    }

    public long ReceivedBytes { get; private set; }

    /// <summary>One message after the metadata: it must be a chunk of 1 byte to 1 MiB that keeps within the declared size.</summary>
    public void Accept(UploadImageRequest message)
    {
        if (message.PartCase != UploadImageRequest.PartOneofCase.Chunk)
        {
            throw Invalid(message.PartCase == UploadImageRequest.PartOneofCase.Metadata
                ? "The metadata was sent twice; every message after the first carries a chunk."
                : "A message after the metadata carries neither metadata nor a chunk.");
        }

        var chunk = message.Chunk.Span;
        if (chunk.Length is 0 or > MaxChunkBytes)
        {
            throw Invalid($"A chunk must hold 1 byte to {MaxChunkBytes} bytes; got {chunk.Length}.");
        }

        var total = ReceivedBytes + chunk.Length;
        if (total > _maxImageBytes)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"The image exceeds this server's limit of {_maxImageBytes} bytes."));
        }

        if (total > _upload.DeclaredSizeBytes)
        {
            throw Invalid($"More bytes arrived than the {_upload.DeclaredSizeBytes} declared in declared_size_bytes.");
        }

        if (ReceivedBytes < _head.Length)
        {
            chunk[..(int)Math.Min(chunk.Length, _head.Length - ReceivedBytes)].CopyTo(_head.AsSpan((int)ReceivedBytes));
        }

        ReceivedBytes = total;
        if (!_signatureChecked && ReceivedBytes >= _signatureLength)
        {
            CheckSignature();
        }

        _sha256.AppendData(chunk);
        _encryptor.Append(chunk);
    }

    /// <summary>After the last message: the count must equal the declared size, and the hash the expected one if given.</summary>
    public ReceivedImage Complete()
    {
        if (ReceivedBytes != _upload.DeclaredSizeBytes)
        {
            throw Invalid($"The upload ended after {ReceivedBytes} bytes; {_upload.DeclaredSizeBytes} were declared.");
        }

        if (!_signatureChecked)
        {
            throw Invalid($"{ReceivedBytes} bytes are too few to be a {_upload.ContentType} file.");
        }

        var contentHash = Convert.ToHexStringLower(_sha256.GetHashAndReset());
        if (_upload.ExpectedContentHash is { } expected && expected != contentHash)
        {
            throw new RpcException(new Status(StatusCode.DataLoss,
                $"The received bytes hash to {contentHash}, not to expected_content_hash {expected}: the upload was corrupted in transit. Nothing was stored."));
        }

        _encryptor.Complete();
        return new ReceivedImage(contentHash, ReceivedBytes);
    }

    public void Dispose() => _sha256.Dispose();

    private void CheckSignature()
    {
        var head = _head.AsSpan(0, (int)Math.Min(ReceivedBytes, _head.Length));
        if (!ImageSignatures.Matches(_upload.ContentType, head))
        {
            var detected = ImageSignatures.Detect(head);
            throw Invalid(detected is null
                ? $"The file does not start like a {_upload.ContentType} file (wrong magic number)."
                : $"The file is declared as {_upload.ContentType} but its bytes are {detected}.");
        }

        _signatureChecked = true;
    }

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}

using System.Security.Cryptography;
using Google.Protobuf;
using HybridEhr.Contracts.Events;
using HybridEhr.Contracts.ImageNft.V1;
using Grpc.Core;
using HybridEhr.ImageNft.Access;
using HybridEhr.ImageNft.Crypto;
using HybridEhr.ImageNft.Ledger;
using HybridEhr.ImageNft.Storage;
using HybridEhr.ImageNft.Tokens;
using HybridEhr.Security;
using Microsoft.Extensions.Logging;

namespace HybridEhr.ImageNft.Downloads;

/// <summary>
/// GetImage: the token from the chain, the caller's right, the stored bytes against the CID and the plaintext against
/// the content hash — all before the first byte — then an audit event, then the image in chunks.
/// </summary>
public sealed partial class ImageDownloads(
    ImageAccessPolicy policy,
    IImageLedger ledger,
    IImageBlobStore blobs,
    ImageCatalog catalog,
    KeyEncryptionKey keyEncryptionKey,
    IEventOutbox outbox,
    TimeProvider time,
    ILogger<ImageDownloads> logger)
{
    /// <summary>Plaintext per chunk message: one cipher segment (64 KiB), well under the protocol's 1 MiB.</summary>
    public const int ChunkBytes = ImageCipher.SegmentSize;

    public async Task DownloadAsync(Caller caller, string tokenId, Func<GetImageResponse, Task> send, CancellationToken cancellationToken)
    {
        try
        {
            await VerifyAndSendAsync(caller, tokenId, send, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException refusal) when (refusal.StatusCode == StatusCode.DataLoss)
        {
            // Each integrity refusal once, with what an investigation needs (ids only; no key, no content).
            LogIntegrityRefusal(logger, tokenId, caller.AccountId, refusal.Status.Detail);
            throw;
        }
    }

    private async Task VerifyAndSendAsync(Caller caller, string tokenId, Func<GetImageResponse, Task> send, CancellationToken cancellationToken)
    {
        if (!Identifiers.IsRecordOrTokenId(tokenId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "token_id must be 1-128 characters of A-Z a-z 0-9 . _ : -"));
        }

        var token = await ledger.GetTokenAsync(tokenId, cancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"No image token '{tokenId}' exists."));
        var access = await policy.AuthorizeReadAsync(caller, token.Owner, servicesAllowed: false, cancellationToken).ConfigureAwait(false);
        var entry = await catalog.FindAsync(tokenId, cancellationToken).ConfigureAwait(false);
        if (entry?.WrappedDataKey is null)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "The image was erased: its data key no longer exists, so its content cannot be read."));
        }

        if (entry.Cid != token.Cid)
        {
            throw new RpcException(new Status(StatusCode.DataLoss, $"The token names {token.TokenUri} but the image stored for it is {entry.Cid} (record {token.RecordId}). Nothing was sent."));
        }

        var dataKey = UnwrapKey(entry);
        try
        {
            var stored = await blobs.OpenReadAsync(token.Cid, cancellationToken).ConfigureAwait(false)
                ?? throw new RpcException(new Status(StatusCode.NotFound, $"The image store no longer has {token.Cid}."));
            await using (stored.ConfigureAwait(false))
            {
                string fileName;
                try
                {
                    fileName = SealedText.Open(dataKey, entry.SealedFileName, tokenId);
                }
                catch (CryptographicException)
                {
                    throw new RpcException(new Status(StatusCode.DataLoss, "The image's stored file name was altered. Nothing was sent."));
                }

                var size = await StoredImageVerifier.VerifyAsync(stored, dataKey, new ImageExpectation(tokenId, token.Cid, token.ContentHash), cancellationToken)
                    .ConfigureAwait(false);
                await outbox.EnqueueAsync(ReadEvent(caller, token, access), cancellationToken).ConfigureAwait(false);
                await send(new GetImageResponse
                {
                    Metadata = new ImageMetadata
                    {
                        Token = ImageTokenMapper.ToProto(token, entry),
                        ContentType = entry.ContentType,
                        FileName = fileName,
                        SizeBytes = size,
                    },
                }).ConfigureAwait(false);

                var content = await ReadAgainAsync(stored, token.Cid, cancellationToken).ConfigureAwait(false);
                try
                {
                    await SendContentAsync(content, dataKey, tokenId, send, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    if (!ReferenceEquals(content, stored))
                    {
                        await content.DisposeAsync().ConfigureAwait(false);
                    }
                }
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>The verified bytes, read again to be sent: the same open file when it can seek (a replacement would be a
    /// new file under the name), else a fresh read, whose every segment is still authenticated as it is decrypted.</summary>
    private async Task<Stream> ReadAgainAsync(Stream stored, string cid, CancellationToken cancellationToken)
    {
        if (stored.CanSeek)
        {
            stored.Position = 0;
            return stored;
        }

        return await blobs.OpenReadAsync(cid, cancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"The image store no longer has {cid}."));
    }

    private static async Task SendContentAsync(Stream stored, byte[] dataKey, string tokenId, Func<GetImageResponse, Task> send, CancellationToken cancellationToken)
    {
        using var decryptor = new ImageDecryptor(stored, dataKey, ImageCipher.AssociatedDataFor(tokenId));
        var plaintext = new byte[ChunkBytes];
        try
        {
            int read;
            while ((read = await decryptor.ReadSegmentAsync(plaintext, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await send(new GetImageResponse { Chunk = ByteString.CopyFrom(plaintext, 0, read) }).ConfigureAwait(false);
            }
        }
        catch (CryptographicException)
        {
            throw new RpcException(new Status(StatusCode.DataLoss, "The stored image changed while it was being sent; discard what was received."));
        }
    }

    private byte[] UnwrapKey(Storage.ImageEntry entry)
    {
        try
        {
            return keyEncryptionKey.Unwrap(entry.WrappedDataKey, entry.TokenId);
        }
        catch (CryptographicException)
        {
            throw new RpcException(new Status(StatusCode.DataLoss,
                "The image's data key cannot be unwrapped: it was altered, or the service runs with another master key."));
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Refused image token {TokenId} to {ReaderAccountId} as DATA_LOSS: {Reason}")]
    private static partial void LogIntegrityRefusal(ILogger logger, string tokenId, string readerAccountId, string reason);

    private RecordRead ReadEvent(Caller caller, ChainToken token, AccessDecision access) => new(
        Guid.NewGuid(),
        time.GetUtcNow(),
        token.RecordId,
        Version: 0,
        token.Owner,
        caller.AccountId,
        caller.IsPatient ? AccountRole.Patient : AccountRole.Doctor,
        access.Basis,
        access.GrantId,
        ShareLinkId: null,
        ImageTokenId: token.TokenId,
        ChainTransactionId: null);
}

using System.Security.Cryptography;
using HybridEhr.Contracts.Events;
using HybridEhr.Contracts.ImageNft.V1;
using HybridEhr.Grpc;
using HybridEhr.ImageNft.Access;
using HybridEhr.ImageNft.Content;
using HybridEhr.ImageNft.Crypto;
using HybridEhr.ImageNft.Ledger;
using HybridEhr.ImageNft.Storage;
using HybridEhr.ImageNft.Tokens;
using HybridEhr.Security;

namespace HybridEhr.ImageNft.Uploads;

/// <summary>
/// UploadImage: check who and for whom before reading the bytes; receive, hash and encrypt while streaming; store the
/// ciphertext under its CID; keep the wrapped key; mint the soulbound token; record ImageMinted.
/// </summary>
public sealed class ImageUploads(
    ImageNftOptions options,
    ImageAccessPolicy policy,
    IImageLedger ledger,
    IImageBlobStore blobs,
    ImageCatalog catalog,
    KeyEncryptionKey keyEncryptionKey,
    IEventOutbox outbox,
    StagingArea staging)
{
    // Refusals after which nothing is on the chain, so the prepared entry can go; other failures may hide a mint.
    private static readonly StatusCode[] DefiniteRefusals =
        [StatusCode.InvalidArgument, StatusCode.NotFound, StatusCode.AlreadyExists, StatusCode.PermissionDenied, StatusCode.FailedPrecondition, StatusCode.Aborted];

    public async Task<UploadImageResponse> UploadAsync(Caller caller, IAsyncEnumerable<UploadImageRequest> requests, CancellationToken cancellationToken)
    {
        await using var messages = requests.GetAsyncEnumerator(cancellationToken);
        if (!await messages.MoveNextAsync().ConfigureAwait(false) || messages.Current.PartCase != UploadImageRequest.PartOneofCase.Metadata)
        {
            throw new RpcException(StatusCode.InvalidArgument, "The first message of an upload must carry the metadata.");
        }

        var upload = UploadMetadataValidator.Validate(messages.Current.Metadata, options.MaxImageBytes);
        await policy.AuthorizeUploadAsync(caller, upload.PatientAccountId, cancellationToken).ConfigureAwait(false);
        await CheckRecordAsync(upload, cancellationToken).ConfigureAwait(false);

        var tokenId = Identifiers.NewTokenId();
        var dataKey = RandomNumberGenerator.GetBytes(ImageCipher.KeySize);
        try
        {
            await using var stagingFile = staging.Create();
            var cidBuilder = new UnixFsCidBuilder();
            ReceivedImage received;
            using (var encryptor = new ImageEncryptor(dataKey, ImageCipher.AssociatedDataFor(tokenId), ciphertext =>
                   {
                       stagingFile.Write(ciphertext);
                       cidBuilder.Append(ciphertext);
                   }))
            using (var receiver = new ImageStreamReceiver(upload, options.MaxImageBytes, encryptor))
            {
                while (await messages.MoveNextAsync().ConfigureAwait(false))
                {
                    receiver.Accept(messages.Current);
                }

                received = receiver.Complete();
            }

            var cid = cidBuilder.Complete().ToString();
            stagingFile.Position = 0;
            await blobs.PutAsync(cid, stagingFile, cancellationToken).ConfigureAwait(false);

            var entry = new ImageEntry(tokenId, cid, upload.PatientAccountId, upload.RecordId, upload.ContentType, SealedText.Seal(dataKey, upload.FileName, tokenId),
                received.SizeBytes, received.ContentHash, keyEncryptionKey.Wrap(dataKey, tokenId), MintTxId: null, MintBlockNumber: null);
            await catalog.SaveAsync(entry, cancellationToken).ConfigureAwait(false);
            var receipt = await MintAsync(caller, entry, cancellationToken).ConfigureAwait(false);

            // The token exists now: finish the bookkeeping even if the caller goes away.
            entry = entry with { MintTxId = receipt.TxId, MintBlockNumber = receipt.BlockNumber };
            await catalog.SaveAsync(entry, CancellationToken.None).ConfigureAwait(false);
            await outbox.EnqueueAsync(MintedEvent(receipt, entry), CancellationToken.None).ConfigureAwait(false);
            return new UploadImageResponse
            {
                TokenId = tokenId,
                Cid = cid,
                ContentHash = received.ContentHash,
                SizeBytes = received.SizeBytes,
                Token = ImageTokenMapper.ToProto(receipt.Token, entry),
            };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    private async Task CheckRecordAsync(ValidatedUpload upload, CancellationToken cancellationToken)
    {
        var recordPatient = await ledger.GetRecordPatientAsync(upload.RecordId, cancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(StatusCode.NotFound, $"No record '{upload.RecordId}' exists; create the record first (Records.CreateRecord).");
        if (recordPatient != upload.PatientAccountId)
        {
            throw new RpcException(StatusCode.FailedPrecondition, $"Record '{upload.RecordId}' belongs to another patient.");
        }
    }

    private async Task<MintReceipt> MintAsync(Caller caller, ImageEntry entry, CancellationToken cancellationToken)
    {
        var arguments = new MintArguments(entry.TokenId, entry.PatientAccountId, entry.RecordId, ChainToken.UriScheme + entry.Cid, entry.ContentHash);
        try
        {
            return await ledger.MintAsync(arguments, caller.Claims.Organization, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException refusal) when (DefiniteRefusals.Contains(refusal.StatusCode))
        {
            catalog.Delete(entry.TokenId);
            throw;
        }
    }

    private static ImageMinted MintedEvent(MintReceipt receipt, ImageEntry entry) => new(
        Messaging.ChainEventIds.For(receipt.TxId, 0),
        DateTimeOffset.FromUnixTimeMilliseconds(receipt.Token.MintedAtUnixMs),
        receipt.Token.TokenId,
        entry.Cid,
        receipt.Token.ContentHash,
        entry.SizeBytes,
        receipt.Token.Owner,
        receipt.Token.RecordId,
        receipt.Token.MintedBy,
        receipt.Token.Organization,
        receipt.TxId,
        receipt.BlockNumber);
}

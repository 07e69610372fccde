using System.Security.Cryptography;
using HybridEhr.Contracts.Events;
using HybridEhr.Contracts.ImageNft.V1;
using Grpc.Core;
using HybridEhr.ImageNft.Access;
using HybridEhr.ImageNft.Content;
using HybridEhr.ImageNft.Crypto;
using HybridEhr.ImageNft.Ledger;
using HybridEhr.ImageNft.Storage;
using HybridEhr.ImageNft.Tokens;
using HybridEhr.Security;
using HybridEhr.ServiceDefaults.Writes;

namespace HybridEhr.ImageNft.Uploads;

/// <summary>
/// UploadImage: check who and for whom before reading the bytes; wrap the data key; receive, hash and encrypt while
/// streaming; store the ciphertext under its CID; save the entry; mint the soulbound token; record ImageMinted.
/// <para>
/// Nothing acknowledged is unreadable and nothing refused is left behind: OK comes only after blob, entry and token
/// exist. A failure before the mint, a refusal by the contract, or a FabricGateway that could not be reached at all
/// removes the blob and the entry. A mint whose answer was lost (a cut, a reset, a deadline) keeps both: the retry with
/// the same idempotency key, or <see cref="UnconfirmedUploads"/> after the grace period, asks the chain and finishes it.
/// </para>
/// </summary>
public sealed class ImageUploads(
    ImageNftOptions options,
    ImageAccessPolicy policy,
    IImageLedger ledger,
    IImageBlobStore blobs,
    ImageCatalog catalog,
    KeyEncryptionKey keyEncryptionKey,
    IEventOutbox outbox,
    StagingArea staging,
    KeyedLock locks,
    UnconfirmedUploads unconfirmed)
{
    // Refusals after which nothing is on the chain, so the prepared entry can go; other failures may hide a mint.
    private static readonly StatusCode[] DefiniteRefusals =
        [StatusCode.InvalidArgument, StatusCode.NotFound, StatusCode.AlreadyExists, StatusCode.PermissionDenied, StatusCode.FailedPrecondition, StatusCode.Aborted];

    public async Task<UploadImageResponse> UploadAsync(Caller caller, IAsyncEnumerable<UploadImageRequest> requests, CancellationToken cancellationToken)
    {
        await using var messages = requests.GetAsyncEnumerator(cancellationToken);
        if (!await messages.MoveNextAsync().ConfigureAwait(false) || messages.Current.PartCase != UploadImageRequest.PartOneofCase.Metadata)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "The first message of an upload must carry the metadata."));
        }

        var upload = UploadMetadataValidator.Validate(messages.Current.Metadata, options.MaxImageBytes);
        await policy.AuthorizeUploadAsync(caller, upload.PatientAccountId, cancellationToken).ConfigureAwait(false);
        await CheckRecordAsync(upload, cancellationToken).ConfigureAwait(false);

        var tokenId = upload.IdempotencyKey is { } key ? Identifiers.TokenIdFor(caller.AccountId, key) : Identifiers.NewTokenId();
        UploadImageResponse response;
        using (await locks.AcquireAsync(tokenId, cancellationToken).ConfigureAwait(false))
        {
            var earlier = upload.IdempotencyKey is null ? null : await catalog.FindAsync(tokenId, cancellationToken).ConfigureAwait(false);
            response = await StoreAndMintAsync(caller, upload, tokenId, earlier, messages, cancellationToken).ConfigureAwait(false);
        }

        await unconfirmed.SweepAsync(CancellationToken.None).ConfigureAwait(false);
        return response;
    }

    private async Task<UploadImageResponse> StoreAndMintAsync(
        Caller caller, ValidatedUpload upload, string tokenId, ImageEntry? earlier, IAsyncEnumerator<UploadImageRequest> messages, CancellationToken cancellationToken)
    {
        var dataKey = RandomNumberGenerator.GetBytes(ImageCipher.KeySize);
        string? storedCid = null;
        ImageEntry? prepared = null;
        var mintMayHaveHappened = false;
        try
        {
            // Wrapped first: a key that cannot be wrapped must fail the upload before anything is stored.
            var wrappedKey = keyEncryptionKey.Wrap(dataKey, tokenId);
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

            if (earlier is not null)
            {
                mintMayHaveHappened = true; // the earlier attempt's data is never discarded here
                return await FinishEarlierAsync(caller, upload, earlier, received, cancellationToken).ConfigureAwait(false);
            }

            var cid = cidBuilder.Complete().ToString();
            stagingFile.Position = 0;
            storedCid = cid;
            await blobs.PutAsync(cid, stagingFile, cancellationToken).ConfigureAwait(false);

            prepared = new ImageEntry(tokenId, cid, upload.PatientAccountId, upload.RecordId, upload.ContentType, SealedText.Seal(dataKey, upload.FileName, tokenId),
                received.SizeBytes, received.ContentHash, wrappedKey, MintTxId: null, MintBlockNumber: null);
            await catalog.SaveAsync(prepared, cancellationToken).ConfigureAwait(false);

            MintReceipt receipt;
            try
            {
                receipt = await MintAsync(caller, prepared, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException failure) when (!DefiniteRefusals.Contains(failure.StatusCode) && !WriteFailure.ProvesNotSent(failure))
            {
                mintMayHaveHappened = true;
                unconfirmed.Track(tokenId);
                throw OutcomeUnknown(tokenId, failure, upload.IdempotencyKey is not null);
            }

            mintMayHaveHappened = true;
            return await CompleteAsync(prepared, receipt.Token, receipt).ConfigureAwait(false);
        }
        catch when (!mintMayHaveHappened && storedCid is not null)
        {
            // Certainly not minted: leave nothing behind (the entry first, so no entry ever names a missing blob).
            if (prepared is not null)
            {
                catalog.Delete(prepared.TokenId);
            }

            await blobs.DeleteAsync(storedCid, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>A retry under the same idempotency key: returns the first attempt's result, finishing its mint if needed.</summary>
    private async Task<UploadImageResponse> FinishEarlierAsync(Caller caller, ValidatedUpload upload, ImageEntry earlier, ReceivedImage received, CancellationToken cancellationToken)
    {
        if (earlier.ContentHash != received.ContentHash || earlier.RecordId != upload.RecordId || earlier.PatientAccountId != upload.PatientAccountId)
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists,
                "This idempotency_key was already used for another upload (other bytes, record or patient); use a new key for a new image."));
        }

        var token = await ledger.GetTokenAsync(earlier.TokenId, cancellationToken).ConfigureAwait(false);
        if (token is not null)
        {
            return await CompleteAsync(earlier, token, receipt: null).ConfigureAwait(false);
        }

        MintReceipt receipt;
        try
        {
            receipt = await MintAsync(caller, earlier, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException exists) when (exists.StatusCode == StatusCode.AlreadyExists)
        {
            // The first mint committed between the read above and this one.
            var minted = await ledger.GetTokenAsync(earlier.TokenId, cancellationToken).ConfigureAwait(false)
                ?? throw new RpcException(new Status(StatusCode.AlreadyExists, exists.Status.Detail, exists), exists.Trailers);
            return await CompleteAsync(earlier, minted, receipt: null).ConfigureAwait(false);
        }
        catch (RpcException failure) when (!DefiniteRefusals.Contains(failure.StatusCode) && !WriteFailure.ProvesNotSent(failure))
        {
            unconfirmed.Track(earlier.TokenId);
            throw OutcomeUnknown(earlier.TokenId, failure, hasKey: true);
        }

        return await CompleteAsync(earlier, receipt.Token, receipt).ConfigureAwait(false);
    }

    /// <summary>The token exists: finish the bookkeeping even if the caller goes away, and answer.</summary>
    private async Task<UploadImageResponse> CompleteAsync(ImageEntry entry, ChainToken token, MintReceipt? receipt)
    {
        if (entry.MintTxId is null)
        {
            entry = entry with { MintTxId = receipt?.TxId ?? "", MintBlockNumber = receipt?.BlockNumber };
            await catalog.SaveAsync(entry, CancellationToken.None).ConfigureAwait(false);
            if (receipt is not null)
            {
                await outbox.EnqueueAsync(MintedEvent(receipt, entry), CancellationToken.None).ConfigureAwait(false);
            }
        }

        return new UploadImageResponse
        {
            TokenId = entry.TokenId,
            Cid = entry.Cid,
            ContentHash = entry.ContentHash,
            SizeBytes = entry.SizeBytes,
            Token = ImageTokenMapper.ToProto(token, entry),
        };
    }

    private static RpcException OutcomeUnknown(string tokenId, RpcException failure, bool hasKey) =>
        new(new Status(StatusCode.Unavailable,
            $"The mint of image token {tokenId} was sent but its answer was lost ({failure.Status.Detail}). "
            + (hasKey
                ? WriteFailure.BeingConfirmed("the mint")
                : $"The outcome of the mint is being confirmed against the chain: GetToken {tokenId} shows it once minted; an upload that never minted is removed.")));

    private async Task CheckRecordAsync(ValidatedUpload upload, CancellationToken cancellationToken)
    {
        var recordPatient = await ledger.GetRecordPatientAsync(upload.RecordId, cancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"No record '{upload.RecordId}' exists; create the record first (Records.CreateRecord)."));
        if (recordPatient != upload.PatientAccountId)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"Record '{upload.RecordId}' belongs to another patient."));
        }
    }

    private async Task<MintReceipt> MintAsync(Caller caller, ImageEntry entry, CancellationToken cancellationToken)
    {
        var arguments = new MintArguments(entry.TokenId, entry.PatientAccountId, entry.RecordId, ChainToken.UriScheme + entry.Cid, entry.ContentHash);
        return await ledger.MintAsync(arguments, caller.Claims.Organization, cancellationToken).ConfigureAwait(false);
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

using System.Security.Cryptography;
using HybridEhr.Contracts.Events;
using HybridEhr.Contracts.ImageNft.V1;
using Grpc.Core;
using HybridEhr.ImageNft.Access;
using HybridEhr.ImageNft.Content;
using HybridEhr.ImageNft.Crypto;
using HybridEhr.ImageNft.Downloads;
using HybridEhr.ImageNft.Ledger;
using HybridEhr.ImageNft.Storage;
using HybridEhr.ImageNft.Tokens;
using HybridEhr.ImageNft.Uploads;
using HybridEhr.ServiceDefaults.Writes;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace HybridEhr.ImageNft.Tests;

/// <summary>Upload, download and token queries end to end over the embedded store, with the chain and Permissions faked.</summary>
public sealed class UseCaseTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();
    private readonly FakeLedger _ledger = new();
    private readonly FakeGrants _grants = new FakeGrants().Grant(Callers.Alice, Callers.DrSmith, "grant-7");
    private readonly RecordingOutbox _outbox = new();
    private readonly KeyEncryptionKey _master = new(RandomNumberGenerator.GetBytes(32));
    private readonly FileImageBlobStore _blobs;
    private readonly ImageCatalog _catalog;
    private readonly ImageUploads _uploads;
    private readonly ImageDownloads _downloads;
    private readonly ImageTokenQueries _queries;

    public UseCaseTests()
    {
        var policy = new ImageAccessPolicy(_grants);
        _blobs = new FileImageBlobStore(_directory.Path);
        _catalog = new ImageCatalog(_directory.Path);
        // No grace period: every upload settles whatever earlier uploads left unconfirmed.
        var options = new ImageNftOptions { PendingGracePeriod = TimeSpan.Zero };
        var locks = new KeyedLock();
        var unconfirmed = new UnconfirmedUploads(_catalog, _blobs, _ledger, locks, options, TimeProvider.System, NullLogger<UnconfirmedUploads>.Instance);
        _uploads = new ImageUploads(options, policy, _ledger, _blobs, _catalog, _master, _outbox, new StagingArea(_directory.Path), locks, unconfirmed);
        _downloads = new ImageDownloads(policy, _ledger, _blobs, _catalog, _master, _outbox, TimeProvider.System, NullLogger<ImageDownloads>.Instance);
        _queries = new ImageTokenQueries(policy, _ledger, _catalog);
    }

    [Fact]
    public async Task An_upload_stores_ciphertext_under_its_cid_and_mints_a_token_for_the_patient()
    {
        var image = Images.Png(700_000);

        var response = await UploadAsync(image);

        var (mint, organisation) = Assert.Single(_ledger.Mints);
        Assert.Equal("HospitalAMSP", organisation);
        Assert.Matches("^[0-9a-f]{32}$", mint.TokenId);
        Assert.Equal("ipfs://" + response.Cid, mint.TokenUri);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(image)), mint.ContentHash);
        Assert.Equal(mint.ContentHash, response.ContentHash);
        Assert.Equal(Callers.Alice, response.Token.OwnerAccountId);
        Assert.Equal(image.Length, response.Token.SizeBytes);
        Assert.StartsWith("bafybei", response.Cid, StringComparison.Ordinal);

        await using var stored = await _blobs.OpenReadAsync(response.Cid, default);
        Assert.Equal(response.Cid, (await UnixFsCidBuilder.ComputeAsync(stored!, default)).ToString());
        var catalogText = await File.ReadAllTextAsync(Path.Combine(_directory.Path, "images", response.TokenId + ".json"));
        Assert.DoesNotContain("chest", catalogText, StringComparison.Ordinal);
        var minted = Assert.IsType<ImageMinted>(Assert.Single(_outbox.Events));
        Assert.Equal(response.TokenId, minted.TokenId);
        Assert.Equal(HybridEhr.Messaging.ChainEventIds.For(minted.ChainTransactionId, 0), minted.EventId);
    }

    [Fact]
    public async Task The_owner_downloads_exactly_the_uploaded_bytes_and_the_read_is_audited()
    {
        var image = Images.Jpeg(300_000);
        var uploaded = await UploadAsync(image, ImageSignatures.Jpeg);

        var (metadata, content) = await DownloadAsync(Callers.Patient(Callers.Alice), uploaded.TokenId);

        Assert.Equal(image, content);
        Assert.Equal(image.Length, metadata.SizeBytes);
        Assert.Equal("chest.png", metadata.FileName);
        Assert.Equal(ImageSignatures.Jpeg, metadata.ContentType);
        var read = Assert.IsType<RecordRead>(_outbox.Events[^1]);
        Assert.Equal((AccessBasis.Owner, uploaded.TokenId, Callers.Alice), (read.Basis, read.ImageTokenId, read.ReaderAccountId));
    }

    [Fact]
    public async Task A_store_that_cannot_seek_is_read_twice_and_still_verified()
    {
        var image = Images.Png(200_000);
        var uploaded = await UploadAsync(image);
        var forwardOnly = new NonSeekableBlobStore(_blobs);
        var downloads = new ImageDownloads(new ImageAccessPolicy(_grants), _ledger, forwardOnly, _catalog, _master, _outbox, TimeProvider.System,
            NullLogger<ImageDownloads>.Instance);
        var content = new MemoryStream();

        await downloads.DownloadAsync(Callers.Patient(Callers.Alice), uploaded.TokenId, m =>
        {
            if (m.PartCase == GetImageResponse.PartOneofCase.Chunk)
            {
                m.Chunk.WriteTo(content);
            }

            return Task.CompletedTask;
        }, default);

        Assert.Equal(image, content.ToArray());
        Assert.Equal(2, forwardOnly.Opens);
    }

    [Fact]
    public void The_development_master_key_is_generated_once_and_kept_private()
    {
        var logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        var first = MasterKeyLoader.Load(null, _directory.Path, logger);
        var second = MasterKeyLoader.Load("", _directory.Path, logger);
        var configured = RandomNumberGenerator.GetBytes(32);

        Assert.Equal(first, second);
        Assert.Equal(configured, MasterKeyLoader.Load(Convert.ToBase64String(configured), _directory.Path, logger));
        Assert.Throws<InvalidOperationException>(() => MasterKeyLoader.Load(Convert.ToBase64String(new byte[16]), _directory.Path, logger));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite,
                File.GetUnixFileMode(Path.Combine(_directory.Path, MasterKeyLoader.DevelopmentKeyFileName)));
        }
    }

    [Fact]
    public async Task A_granted_doctor_downloads_and_the_audit_names_the_grant()
    {
        var uploaded = await UploadAsync(Images.Png(1000));

        await DownloadAsync(Callers.Doctor(Callers.DrSmith), uploaded.TokenId);

        var read = Assert.IsType<RecordRead>(_outbox.Events[^1]);
        Assert.Equal((AccessBasis.Grant, "grant-7", AccountRole.Doctor), (read.Basis, read.GrantId, read.ReaderRole));
    }

    [Fact]
    public async Task Another_patient_or_an_ungranted_doctor_gets_nothing()
    {
        var uploaded = await UploadAsync(Images.Png(1000));

        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() => DownloadAsync(Callers.Patient(Callers.Bob), uploaded.TokenId))).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() => DownloadAsync(Callers.Doctor(Callers.DrRogue), uploaded.TokenId))).StatusCode);
        Assert.IsType<ImageMinted>(Assert.Single(_outbox.Events));
    }

    [Fact]
    public async Task A_tampered_blob_is_data_loss_before_any_byte_is_sent()
    {
        var uploaded = await UploadAsync(Images.Png(400_000));
        var path = Directory.EnumerateFiles(Path.Combine(_directory.Path, "blobs"), uploaded.Cid, SearchOption.AllDirectories).Single();
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[200_000] ^= 0x01;
        await File.WriteAllBytesAsync(path, bytes);
        var sent = new List<GetImageResponse>();

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _downloads.DownloadAsync(Callers.Patient(Callers.Alice), uploaded.TokenId, m => { sent.Add(m); return Task.CompletedTask; }, default));

        Assert.Equal(StatusCode.DataLoss, error.StatusCode);
        Assert.Contains("tampered with or replaced", error.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(sent);
        Assert.DoesNotContain(_outbox.Events, e => e is RecordRead);
    }

    [Fact]
    public async Task A_token_whose_content_hash_differs_is_data_loss()
    {
        var uploaded = await UploadAsync(Images.Png(1000));
        _ledger.Tokens[uploaded.TokenId] = _ledger.Tokens[uploaded.TokenId] with { ContentHash = new string('0', 64) };

        var error = await Assert.ThrowsAsync<RpcException>(() => DownloadAsync(Callers.Patient(Callers.Alice), uploaded.TokenId));
        Assert.Equal(StatusCode.DataLoss, error.StatusCode);
    }

    [Fact]
    public async Task A_missing_blob_is_not_found_and_an_unknown_token_too()
    {
        var uploaded = await UploadAsync(Images.Png(1000));
        File.Delete(Directory.EnumerateFiles(Path.Combine(_directory.Path, "blobs"), uploaded.Cid, SearchOption.AllDirectories).Single());

        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => DownloadAsync(Callers.Patient(Callers.Alice), uploaded.TokenId))).StatusCode);
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => DownloadAsync(Callers.Patient(Callers.Alice), "no-such-token"))).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => DownloadAsync(Callers.Patient(Callers.Alice), "bad/id"))).StatusCode);
    }

    [Fact]
    public async Task Uploads_are_refused_before_any_byte_when_the_caller_or_record_is_wrong()
    {
        var image = Images.Png(1000);

        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() =>
            _uploads.UploadAsync(Callers.Doctor(Callers.DrRogue), Images.Upload(Images.Metadata(image.Length), image), default))).StatusCode);
        var foreignRecord = Images.Metadata(image.Length);
        foreignRecord.RecordId = "ehr-bob";
        Assert.Equal(StatusCode.FailedPrecondition, (await Assert.ThrowsAsync<RpcException>(() =>
            _uploads.UploadAsync(Callers.Doctor(Callers.DrSmith), Images.Upload(foreignRecord, image), default))).StatusCode);
        var missingRecord = Images.Metadata(image.Length);
        missingRecord.RecordId = "ehr-404";
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() =>
            _uploads.UploadAsync(Callers.Doctor(Callers.DrSmith), Images.Upload(missingRecord, image), default))).StatusCode);
        Assert.Empty(_ledger.Mints);
    }

    [Fact]
    public async Task A_first_message_without_metadata_is_invalid_argument()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _uploads.UploadAsync(Callers.Doctor(Callers.DrSmith), ChunksOnly(), default));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);

        static async IAsyncEnumerable<UploadImageRequest> ChunksOnly()
        {
            await Task.Yield();
            yield return new UploadImageRequest { Chunk = Google.Protobuf.ByteString.CopyFrom(1, 2, 3) };
        }
    }

    [Fact]
    public async Task A_refused_mint_leaves_no_catalog_entry_and_no_event()
    {
        _ledger.EnrolledDoctors.Clear();
        var image = Images.Png(1000);

        var error = await Assert.ThrowsAsync<RpcException>(() => UploadAsync(image));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_directory.Path, "images")));
        Assert.Empty(StoredBlobs());
        Assert.Empty(_outbox.Events);
    }

    [Fact]
    public async Task A_gateway_that_refused_the_connection_leaves_no_entry_and_no_blob()
    {
        _ledger.FailNextMint = StatusCode.Unavailable;
        _ledger.NeverSent = true;

        var error = await Assert.ThrowsAsync<RpcException>(() => UploadWithKeyAsync(Images.Png(5000), "refused-1"));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_directory.Path, "images")));
        Assert.Empty(StoredBlobs());
        Assert.Empty(_ledger.Tokens);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_mint_whose_answer_was_lost_is_finished_by_the_retry_with_the_same_key(bool committedBeforeTheCut)
    {
        var image = Images.Png(90_000, seed: 4);
        _ledger.FailNextMint = StatusCode.Unavailable;
        _ledger.CommitBeforeFailing = committedBeforeTheCut;

        var lost = await Assert.ThrowsAsync<RpcException>(() => UploadWithKeyAsync(image, "scan-42"));
        Assert.Equal(StatusCode.Unavailable, lost.StatusCode);
        Assert.Contains("being confirmed", lost.Status.Detail);

        var retried = await UploadWithKeyAsync(image, "scan-42");

        Assert.Equal(retried.TokenId, Assert.Single(_ledger.Tokens).Key);
        Assert.Contains(retried.TokenId, lost.Status.Detail);
        Assert.Equal(image, (await DownloadAsync(Callers.Patient(Callers.Alice), retried.TokenId)).Content);
        Assert.Single(StoredBlobs());
        Assert.Equal(retried.TokenId, (await UploadWithKeyAsync(image, "scan-42")).TokenId);
        var otherBytes = await Assert.ThrowsAsync<RpcException>(() => UploadWithKeyAsync(Images.Png(90_000, seed: 5), "scan-42"));
        Assert.Equal(StatusCode.AlreadyExists, otherBytes.StatusCode);
        Assert.Single(StoredBlobs());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_unconfirmed_upload_without_a_key_is_completed_or_removed_by_a_later_upload(bool committedBeforeTheCut)
    {
        var image = Images.Png(20_000, seed: 6);
        _ledger.FailNextMint = StatusCode.DeadlineExceeded;
        _ledger.CommitBeforeFailing = committedBeforeTheCut;
        await Assert.ThrowsAsync<RpcException>(() => UploadWithKeyAsync(image, null));
        var unconfirmed = Assert.Single(await _catalog.ListUnconfirmedAsync(default)).Entry;

        await UploadAsync(Images.Png(1000));

        Assert.Empty(await _catalog.ListUnconfirmedAsync(default));
        if (committedBeforeTheCut)
        {
            Assert.Equal(image, (await DownloadAsync(Callers.Patient(Callers.Alice), unconfirmed.TokenId)).Content);
            Assert.Equal(2, StoredBlobs().Count);
        }
        else
        {
            Assert.Null(await _catalog.FindAsync(unconfirmed.TokenId, default));
            Assert.False(await _blobs.ExistsAsync(unconfirmed.Cid, default));
            Assert.Single(StoredBlobs());
        }
    }

    [Fact]
    public async Task Fifty_concurrent_retries_of_one_upload_mint_one_token()
    {
        var image = Images.Png(30_000, seed: 8);

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => UploadWithKeyAsync(image, "same-key"))));

        Assert.Single(results.Select(r => r.TokenId).Distinct());
        Assert.Single(_ledger.Mints);
        Assert.Single(StoredBlobs());
    }

    [Fact]
    public async Task An_image_whose_key_was_destroyed_is_erased()
    {
        var uploaded = await UploadAsync(Images.Png(1000));
        var entry = await _catalog.FindAsync(uploaded.TokenId, default);
        await _catalog.SaveAsync(entry! with { WrappedDataKey = null }, default);

        var error = await Assert.ThrowsAsync<RpcException>(() => DownloadAsync(Callers.Patient(Callers.Alice), uploaded.TokenId));
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
    }

    [Fact]
    public async Task Tokens_are_listed_newest_first_in_pages_and_filtered_by_record()
    {
        _ledger.Records["ehr-2"] = Callers.Alice;
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var metadata = Images.Metadata(1000);
            metadata.RecordId = i == 2 ? "ehr-2" : "ehr-1";
            ids.Add((await _uploads.UploadAsync(Callers.Doctor(Callers.DrSmith), Images.Upload(metadata, Images.Png(1000)), default)).TokenId);
        }

        var listed = new List<string>();
        var pageToken = "";
        do
        {
            var page = await _queries.ListTokensAsync(Callers.Patient(Callers.Alice), new ListTokensRequest { PageSize = 2, PageToken = pageToken }, default);
            Assert.True(page.Tokens.Count <= 2);
            listed.AddRange(page.Tokens.Select(t => t.TokenId));
            pageToken = page.NextPageToken;
        }
        while (pageToken.Length > 0);

        Assert.Equal(Enumerable.Reverse(ids), listed);
        var ofRecord = await _queries.ListTokensAsync(Callers.Doctor(Callers.DrSmith), new ListTokensRequest { PatientAccountId = Callers.Alice, RecordId = "ehr-2" }, default);
        Assert.Equal([ids[2]], ofRecord.Tokens.Select(t => t.TokenId));
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() =>
            _queries.ListTokensAsync(Callers.Patient(Callers.Bob), new ListTokensRequest { PatientAccountId = Callers.Alice }, default))).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() =>
            _queries.ListTokensAsync(Callers.Patient(Callers.Alice), new ListTokensRequest { PageToken = "garbage!" }, default))).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() =>
            _queries.ListTokensAsync(Callers.Patient(Callers.Alice), new ListTokensRequest { PageSize = 201 }, default))).StatusCode);
    }

    [Fact]
    public async Task A_token_is_shown_to_its_owner_a_service_and_a_granted_doctor_only()
    {
        var uploaded = await UploadAsync(Images.Png(1000));

        var token = await _queries.GetTokenAsync(Callers.Service(), uploaded.TokenId, default);
        Assert.Equal("ipfs://" + uploaded.Cid, token.TokenUri);
        Assert.Equal(uploaded.Cid, token.Cid);
        Assert.NotEmpty(token.MintTxId);
        Assert.Equal(1000, (await _queries.GetTokenAsync(Callers.Doctor(Callers.DrSmith), uploaded.TokenId, default)).SizeBytes);
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() =>
            _queries.GetTokenAsync(Callers.Patient(Callers.Bob), uploaded.TokenId, default))).StatusCode);
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() =>
            _queries.GetTokenAsync(Callers.Patient(Callers.Alice), "unknown", default))).StatusCode);
    }

    public void Dispose()
    {
        _directory.Dispose();
    }

    private Task<UploadImageResponse> UploadAsync(byte[] image, string contentType = ImageSignatures.Png) =>
        _uploads.UploadAsync(Callers.Doctor(Callers.DrSmith), Images.Upload(Images.Metadata(image.Length, contentType), image), default);

    private Task<UploadImageResponse> UploadWithKeyAsync(byte[] image, string? idempotencyKey)
    {
        var metadata = Images.Metadata(image.Length);
        metadata.IdempotencyKey = idempotencyKey ?? "";
        return _uploads.UploadAsync(Callers.Doctor(Callers.DrSmith), Images.Upload(metadata, image), default);
    }

    private List<string> StoredBlobs() => [.. Directory.EnumerateFiles(Path.Combine(_directory.Path, "blobs"), "*", SearchOption.AllDirectories)];

    private async Task<(ImageMetadata Metadata, byte[] Content)> DownloadAsync(HybridEhr.Security.Caller caller, string tokenId)
    {
        ImageMetadata? metadata = null;
        var content = new MemoryStream();
        await _downloads.DownloadAsync(caller, tokenId, message =>
        {
            if (message.PartCase == GetImageResponse.PartOneofCase.Metadata)
            {
                Assert.Null(metadata);
                metadata = message.Metadata;
            }
            else
            {
                Assert.NotNull(metadata);
                Assert.InRange(message.Chunk.Length, 1, 1024 * 1024);
                message.Chunk.WriteTo(content);
            }

            return Task.CompletedTask;
        }, default);
        return (metadata!, content.ToArray());
    }
}

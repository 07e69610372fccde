using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Google.Protobuf.WellKnownTypes;
using HybridEhr.Contracts.Events;
using HybridEhr.Contracts.Records.V1;
using HybridEhr.Records.Access;
using HybridEhr.Records.Chain;
using HybridEhr.Records.Crypto;
using HybridEhr.Records.Documents;
using HybridEhr.Records.Sharing;
using HybridEhr.Records.Storage;
using HybridEhr.Security;
using HybridEhr.ServiceDefaults.Writes;
using Microsoft.Extensions.Logging;

namespace HybridEhr.Records.Application;

/// <summary>
/// The record operations behind every RPC of records.proto, free of gRPC plumbing so tests reach them with fakes.
/// <para>
/// Write ordering (create and update): (1) the encrypted version is stored as <i>pending</i> and the header names it;
/// (2) the hashes are anchored on the chain; (3) the event is journaled, the version marked <i>committed</i> and the
/// header moved on. A crash after (1) leaves a pending version that no reader ever serves. The next read or write of
/// the record reconciles it: if the chain anchors exactly its hashes, it is completed (event included, with the
/// same event id); if not, and it is older than <see cref="RecordsOptions.PendingGracePeriod"/>, it is discarded. A
/// refusal by the chain (definitely nothing written) discards it at once; any other failure (a cut, reset or deadline,
/// which may hide a commit) keeps it, and the writer's retry submits the same hashes again to finish it. So the store
/// ends up with either no anchor and no version, or a complete, anchored, announced version.
/// </para>
/// </summary>
public sealed partial class RecordKeeper(
    IRecordDocumentStore store,
    IRecordAnchors anchors,
    AccessPolicy access,
    RecordCipher cipher,
    ShareLinkBook shareLinks,
    GuessThrottle guessThrottle,
    IEventJournal events,
    PageTokens pageTokens,
    KeyedLock locks,
    RecordsOptions options,
    TimeProvider time,
    ILogger<RecordKeeper> logger)
{
    private const int MaxChangeReason = 500;
    private const int MaxNote = 200;
    private static readonly TimeSpan IdempotencyWindow = TimeSpan.FromHours(24);

    // ---------------------------------------------------------------------------------------------------------------
    // Writes
    // ---------------------------------------------------------------------------------------------------------------

    public async Task<CreateRecordResponse> CreateAsync(Caller caller, CreateRecordRequest request, CancellationToken cancellationToken)
    {
        AccessPolicy.RequireWriter(caller);
        var errors = new List<string>();
        if (!DocumentValidator.AccountId().IsMatch(request.PatientAccountId))
        {
            errors.Add("patient_account_id: must be an account id: 0x followed by 64 lower-case hexadecimal characters");
        }

        if (request.IdempotencyKey.Length > 64)
        {
            errors.Add("idempotency_key: must be at most 64 characters");
        }

        var canonical = Canonicalize(request.Document, errors);
        ThrowIfInvalid(errors);

        var grant = await access.AuthorizeWriteAsync(caller, request.PatientAccountId, patientMayBeUnknown: true, cancellationToken).ConfigureAwait(false);
        var fingerprint = RecordCipher.Sha256Hex(Encoding.UTF8.GetBytes($"{request.PatientAccountId}\n{RecordCipher.Sha256Hex(canonical)}"));
        var recordId = request.IdempotencyKey.Length == 0
            ? NewRecordId()
            : await ResolveIdempotentIdAsync(caller.AccountId, request.IdempotencyKey, fingerprint, cancellationToken).ConfigureAwait(false);

        using var _ = await locks.AcquireAsync(recordId, cancellationToken).ConfigureAwait(false);
        var header = await store.GetRecordAsync(recordId, cancellationToken).ConfigureAwait(false);
        if (header is not null)
        {
            // A retry under the same idempotency key: finish what the first attempt started, or return its result.
            header = await ReconcileAsync(header, cancellationToken).ConfigureAwait(false);
            header = await RedrivePendingAsync(header, cancellationToken).ConfigureAwait(false);
            if (header.LatestVersion >= 1)
            {
                var first = await store.GetVersionAsync(recordId, 1, cancellationToken).ConfigureAwait(false)
                    ?? throw new RpcException(new Status(StatusCode.DataLoss, $"Record {recordId} lost its first version from the store."));
                return new CreateRecordResponse { RecordId = recordId, Version = ToRecordVersion(first) };
            }

            ThrowIfUnresolved(header);
        }

        var now = time.GetUtcNow();
        header ??= new StoredRecord(recordId, request.PatientAccountId, now, caller.AccountId, 0, null, null, now, false,
            request.IdempotencyKey.Length == 0 ? null : IdempotencyHandle(caller.AccountId, request.IdempotencyKey), fingerprint);
        var title = cipher.SealTitle(recordId, request.Document.Title);
        var (pending, pendingHeader) = await StorePendingAsync(header, 1, canonical, caller, grant.OrganisationMspId, "", request.Document, cancellationToken).ConfigureAwait(false);

        AnchorReceipt receipt;
        try
        {
            receipt = await anchors.CreateAsync(ToAnchorRequest(pending, request.PatientAccountId), grant.OrganisationMspId, cancellationToken).ConfigureAwait(false);
        }
        catch (ChainCallException ex)
        {
            await AbandonIfCertainAsync(ex, pending, pendingHeader).ConfigureAwait(false);
            throw ChainErrors.ToRpc(ex, recordId);
        }

        var committed = await CommitAsync(pendingHeader with { SealedTitle = title }, pending, receipt.TxId, receipt.BlockNumber, receipt.Record).ConfigureAwait(false);
        return new CreateRecordResponse { RecordId = recordId, Version = ToRecordVersion(committed) };
    }

    public async Task<UpdateRecordResponse> UpdateAsync(Caller caller, UpdateRecordRequest request, CancellationToken cancellationToken)
    {
        AccessPolicy.RequireWriter(caller);
        var errors = new List<string>();
        if (request.RecordId.Length == 0)
        {
            errors.Add("record_id: is required");
        }

        if (request.ExpectedVersion < 1)
        {
            errors.Add("expected_version: must be the version you read and edited (1 or more)");
        }

        if (request.ChangeReason.Length > MaxChangeReason)
        {
            errors.Add($"change_reason: is longer than {MaxChangeReason} characters");
        }

        var canonical = Canonicalize(request.Document, errors);
        ThrowIfInvalid(errors);

        var header = await FindHeaderAsync(request.RecordId, cancellationToken).ConfigureAwait(false);
        var grant = await access.AuthorizeWriteAsync(caller, header.PatientAccountId, patientMayBeUnknown: false, cancellationToken).ConfigureAwait(false);

        using var _ = await locks.AcquireAsync(header.RecordId, cancellationToken).ConfigureAwait(false);
        header = await ReconcileAsync(await FindHeaderAsync(request.RecordId, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        var contentHash = RecordCipher.Sha256Hex(canonical);
        if (await RetriedVersionAsync(header, header.PendingVersion, caller, request, contentHash, cancellationToken).ConfigureAwait(false) is not null)
        {
            header = await RedrivePendingAsync(header, cancellationToken).ConfigureAwait(false);
        }

        // A retry of an update whose answer was lost: the version it wrote is the latest, so return it instead of a conflict.
        if (await RetriedVersionAsync(header, header.LatestVersion, caller, request, contentHash, cancellationToken).ConfigureAwait(false)
            is { State: VersionState.Committed } written)
        {
            return new UpdateRecordResponse { RecordId = header.RecordId, Version = ToRecordVersion(written) };
        }

        ThrowIfUnresolved(header);
        if (header.LatestVersion == 0)
        {
            throw RecordNotFound(header.RecordId);
        }

        if (header.Erased)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"Record {header.RecordId} was erased; it cannot be updated."));
        }

        if (request.ExpectedVersion != header.LatestVersion)
        {
            throw new RpcException(new Status(StatusCode.Aborted,
                $"Record {header.RecordId} is at version {header.LatestVersion}, not {request.ExpectedVersion}: someone else updated it first. Reread, merge and retry."));
        }

        // Nothing is written on top of a version that fails its integrity check.
        var current = await CheckAsync(header, header.LatestVersion, cancellationToken).ConfigureAwait(false);
        if (!current.Verified)
        {
            throw current.ToReadError(header.RecordId, header.LatestVersion);
        }

        var nextVersion = header.LatestVersion + 1;
        var (pending, pendingHeader) = await StorePendingAsync(header, nextVersion, canonical, caller, grant.OrganisationMspId, request.ChangeReason, request.Document, cancellationToken).ConfigureAwait(false);
        AnchorReceipt receipt;
        try
        {
            receipt = await anchors.UpdateAsync(ToAnchorRequest(pending, header.PatientAccountId), request.ExpectedVersion, grant.OrganisationMspId, cancellationToken).ConfigureAwait(false);
        }
        catch (ChainCallException ex)
        {
            await AbandonIfCertainAsync(ex, pending, pendingHeader).ConfigureAwait(false);
            throw ChainErrors.ToRpc(ex, header.RecordId);
        }

        var title = cipher.SealTitle(header.RecordId, request.Document.Title);
        var committed = await CommitAsync(pendingHeader with { SealedTitle = title }, pending, receipt.TxId, receipt.BlockNumber, receipt.Record).ConfigureAwait(false);
        return new UpdateRecordResponse { RecordId = header.RecordId, Version = ToRecordVersion(committed) };
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Reads
    // ---------------------------------------------------------------------------------------------------------------

    public async Task<GetRecordResponse> GetAsync(Caller caller, GetRecordRequest request, CancellationToken cancellationToken)
    {
        ValidateRecordAndVersion(request.RecordId, request.HasVersion, request.Version);
        var header = await FindHeaderAsync(request.RecordId, cancellationToken).ConfigureAwait(false);
        var reader = await access.AuthorizeReadAsync(caller, header.PatientAccountId, cancellationToken).ConfigureAwait(false);
        header = await ReconcileIfPendingAsync(header, cancellationToken).ConfigureAwait(false);
        var version = ResolveVersion(header, request.HasVersion ? request.Version : null);
        var chainLatest = await anchors.GetAsync(header.RecordId, cancellationToken).ConfigureAwait(false);
        if (!request.HasVersion && chainLatest is not null && chainLatest.Version > version)
        {
            // The chain anchors a newer version than the store holds: serving the older one as "latest" would hide the
            // loss. (A pending one is a write finishing right now; the previous latest is still the right answer.)
            var newer = await store.GetVersionAsync(header.RecordId, chainLatest.Version, cancellationToken).ConfigureAwait(false);
            version = newer is { State: VersionState.Pending } ? version : chainLatest.Version;
        }

        var outcome = await CheckAsync(header, version, cancellationToken, chainLatest).ConfigureAwait(false);
        if (!outcome.Verified)
        {
            throw outcome.ToReadError(header.RecordId, version);
        }

        var record = ToRecord(header, outcome);
        await events.RecordAsync(new RecordRead(Guid.NewGuid(), time.GetUtcNow(), header.RecordId, version, header.PatientAccountId,
            caller.AccountId, reader.ReaderRole, reader.Basis, reader.GrantId, null, null, null), cancellationToken).ConfigureAwait(false);
        return new GetRecordResponse { Record = record, GrantId = reader.GrantId ?? "" };
    }

    public async Task<ListRecordsResponse> ListAsync(Caller caller, ListRecordsRequest request, CancellationToken cancellationToken)
    {
        if (!DocumentValidator.AccountId().IsMatch(request.PatientAccountId))
        {
            throw Invalid("patient_account_id: must be an account id: 0x followed by 64 lower-case hexadecimal characters");
        }

        var pageSize = PageTokens.PageSize(request.PageSize);
        var scope = "list|" + request.PatientAccountId;
        var after = pageTokens.Read(scope, request.PageToken);
        await access.AuthorizeReadAsync(caller, request.PatientAccountId, cancellationToken).ConfigureAwait(false);

        var headers = new List<StoredRecord>();
        foreach (var header in await store.ListByPatientAsync(request.PatientAccountId, cancellationToken).ConfigureAwait(false))
        {
            // A create cut short may have reached the chain: finish it so the record shows up.
            headers.Add(header.PendingVersion is null ? header : await ReconcileIfPendingAsync(header, cancellationToken).ConfigureAwait(false));
        }

        var ordered = headers
            .Where(r => r.LatestVersion >= 1)
            .Select(r => (Record: r, Key: $"{(DateTimeOffset.MaxValue - r.UpdatedAt).Ticks:D20}|{r.RecordId}"))
            .OrderBy(r => r.Key, StringComparer.Ordinal)
            .Where(r => after is null || string.CompareOrdinal(r.Key, after) > 0)
            .Take(pageSize + 1)
            .ToList();

        var response = new ListRecordsResponse();
        foreach (var (record, _) in ordered.Take(pageSize))
        {
            var latest = await store.GetVersionAsync(record.RecordId, record.LatestVersion, cancellationToken).ConfigureAwait(false);
            response.Records.Add(new RecordSummary
            {
                RecordId = record.RecordId,
                PatientAccountId = record.PatientAccountId,
                Title = record.Erased ? "" : cipher.OpenTitle(record.RecordId, record.SealedTitle),
                Latest = latest is null ? new RecordVersion { Version = record.LatestVersion } : ToRecordVersion(latest),
                CreatedAt = Timestamp.FromDateTimeOffset(record.CreatedAt),
                CreatedByAccountId = record.CreatedByAccountId,
                Erased = record.Erased,
            });
        }

        if (ordered.Count > pageSize)
        {
            response.NextPageToken = pageTokens.Issue(scope, ordered[pageSize - 1].Key);
        }

        return response;
    }

    public async Task<GetRecordHistoryResponse> GetHistoryAsync(Caller caller, GetRecordHistoryRequest request, CancellationToken cancellationToken)
    {
        ValidateRecordAndVersion(request.RecordId, false, 0);
        var pageSize = PageTokens.PageSize(request.PageSize);
        var scope = "history|" + request.RecordId;
        var after = pageTokens.Read(scope, request.PageToken);
        var header = await FindHeaderAsync(request.RecordId, cancellationToken).ConfigureAwait(false);
        await access.AuthorizeReadAsync(caller, header.PatientAccountId, cancellationToken).ConfigureAwait(false);

        var history = await anchors.GetHistoryAsync(header.RecordId, cancellationToken).ConfigureAwait(false);
        if (history.Count == 0)
        {
            throw RecordNotFound(header.RecordId);
        }

        var afterVersion = after is null ? 0 : long.Parse(after, System.Globalization.CultureInfo.InvariantCulture);
        var page = history.Where(e => e.Record.Version > afterVersion).OrderBy(e => e.Record.Version).Take(pageSize + 1).ToList();
        var response = new GetRecordHistoryResponse { RecordId = header.RecordId, PatientAccountId = header.PatientAccountId };
        foreach (var entry in page.Take(pageSize))
        {
            var stored = await store.GetVersionAsync(header.RecordId, entry.Record.Version, cancellationToken).ConfigureAwait(false);
            response.Versions.Add(new RecordVersion
            {
                Version = entry.Record.Version,
                ContentHash = entry.Record.PlaintextHash,
                CiphertextHash = entry.Record.CiphertextHash,
                AuthorAccountId = entry.Record.Author,
                OrganisationMspId = entry.Record.Organization,
                WrittenAt = Timestamp.FromDateTimeOffset(entry.Record.UpdatedAt),
                ChangeReason = stored?.ChangeReason ?? "",
                Anchor = new ChainAnchor
                {
                    TxId = entry.TransactionId,
                    BlockNumber = stored?.Anchor?.TxId == entry.TransactionId ? stored.Anchor.BlockNumber : 0,
                    AnchoredAt = Timestamp.FromDateTimeOffset(entry.Timestamp),
                    OrganisationMspId = entry.Record.Organization,
                },
            });
        }

        if (page.Count > pageSize)
        {
            response.NextPageToken = pageTokens.Issue(scope, page[pageSize - 1].Record.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return response;
    }

    public async Task<VerifyRecordResponse> VerifyAsync(Caller caller, VerifyRecordRequest request, CancellationToken cancellationToken)
    {
        ValidateRecordAndVersion(request.RecordId, request.HasVersion, request.Version);
        if (!IsIssuedId(request.RecordId))
        {
            throw RecordNotFound(request.RecordId);
        }

        var header = await store.GetRecordAsync(request.RecordId, cancellationToken).ConfigureAwait(false);
        ChainRecord? chainLatest = null;
        if (header is null)
        {
            // The store may have lost the whole record; the chain still says whose it was.
            chainLatest = await anchors.GetAsync(request.RecordId, cancellationToken).ConfigureAwait(false) ?? throw RecordNotFound(request.RecordId);
            header = new StoredRecord(request.RecordId, chainLatest.Patient, chainLatest.CreatedAt, "", 0, null, null, chainLatest.UpdatedAt, false);
        }

        await access.AuthorizeReadAsync(caller, header.PatientAccountId, cancellationToken).ConfigureAwait(false);
        header = await ReconcileIfPendingAsync(header, cancellationToken).ConfigureAwait(false);
        chainLatest ??= await anchors.GetAsync(header.RecordId, cancellationToken).ConfigureAwait(false);
        var version = request.HasVersion ? request.Version : Math.Max(header.LatestVersion, chainLatest?.Version ?? 0);
        var outcome = await CheckAsync(header, version, cancellationToken, chainLatest).ConfigureAwait(false);
        if (outcome.Verdict == IntegrityVerdict.Unspecified)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"Record {header.RecordId} has no version {version}."));
        }

        return new VerifyRecordResponse
        {
            RecordId = header.RecordId,
            Version = version,
            Verdict = outcome.Verdict,
            AnchoredContentHash = outcome.Anchor?.PlaintextHash ?? "",
            AnchoredCiphertextHash = outcome.Anchor?.CiphertextHash ?? "",
            ComputedContentHash = outcome.ComputedContentHash,
            ComputedCiphertextHash = outcome.ComputedCiphertextHash,
            Anchor = outcome.Anchor is null ? null : new ChainAnchor
            {
                TxId = outcome.AnchorTxId ?? "",
                BlockNumber = outcome.Stored?.Anchor?.BlockNumber ?? 0,
                AnchoredAt = Timestamp.FromDateTimeOffset(outcome.Anchor.UpdatedAt),
                OrganisationMspId = outcome.Anchor.Organization,
            },
            CheckedAt = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
        };
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Share links
    // ---------------------------------------------------------------------------------------------------------------

    public async Task<CreateShareLinkResponse> CreateShareLinkAsync(Caller caller, CreateShareLinkRequest request, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        if (request.RecordId.Length == 0)
        {
            errors.Add("record_id: is required");
        }

        if (request.HasVersion && request.Version < 1)
        {
            errors.Add("version: must be 1 or more (unset = the latest)");
        }

        var lifetime = request.TimeToLive?.ToTimeSpan() ?? TimeSpan.Zero;
        if (lifetime < ShareLinkBook.MinimumLifetime || lifetime > ShareLinkBook.MaximumLifetime)
        {
            errors.Add("time_to_live: must be between 1 minute and 7 days");
        }

        if (request.Note.Length > MaxNote)
        {
            errors.Add($"note: is longer than {MaxNote} characters");
        }

        ThrowIfInvalid(errors);
        var header = await FindHeaderAsync(request.RecordId, cancellationToken).ConfigureAwait(false);
        if (!caller.IsPatient || caller.AccountId != header.PatientAccountId)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "Only the record's patient can share it."));
        }

        header = await ReconcileIfPendingAsync(header, cancellationToken).ConfigureAwait(false);
        var version = ResolveVersion(header, request.HasVersion ? request.Version : null);
        var outcome = await CheckAsync(header, version, cancellationToken).ConfigureAwait(false);
        if (!outcome.Verified)
        {
            throw outcome.ToReadError(header.RecordId, version);
        }

        var now = time.GetUtcNow();
        var (link, token) = shareLinks.Create(header.RecordId, version, header.PatientAccountId, now, lifetime, request.Note,
            outcome.Anchor!.PlaintextHash, outcome.Anchor.CiphertextHash, outcome.Stored!.Anchor);
        await events.RecordAsync(new ShareLinkCreated(Guid.NewGuid(), now, link.ShareLinkId, link.RecordId, version, header.PatientAccountId, link.ExpiresAt, null),
            cancellationToken).ConfigureAwait(false);
        return new CreateShareLinkResponse
        {
            ShareLinkId = link.ShareLinkId,
            Token = token,
            ExpiresAt = Timestamp.FromDateTimeOffset(link.ExpiresAt),
            RecordId = link.RecordId,
            Version = version,
        };
    }

    /// <summary>Anonymous: the token is the only credential. The stored data is checked before the link is used up, so a tampered record does not burn it.</summary>
    public async Task<OpenShareLinkResponse> OpenShareLinkAsync(string token, string client, CancellationToken cancellationToken)
    {
        if (token.Length == 0 || !ShareLinkBook.IsWellFormed(token))
        {
            throw Invalid("token: must be the 43-character token of a share link");
        }

        if (guessThrottle.IsBlocked(client))
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, "Too many unknown share-link tokens from this client; wait a minute before trying again."));
        }

        ShareLink? link;
        try
        {
            link = shareLinks.Find(token);
        }
        catch (InvalidDataException)
        {
            throw new RpcException(new Status(StatusCode.DataLoss, "The share link's stored entry was altered; it is refused."));
        }

        if (link is null)
        {
            guessThrottle.RecordMiss(client);
            throw new RpcException(new Status(StatusCode.NotFound, "No share link has this token."));
        }

        var now = time.GetUtcNow();
        ThrowIfUnusable(link, now);
        var header = await store.GetRecordAsync(link.RecordId, cancellationToken).ConfigureAwait(false);
        if (header is null)
        {
            throw new RpcException(new Status(StatusCode.DataLoss, $"The store has lost record {link.RecordId}, which this link shares."));
        }

        if (header.Erased)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "The shared record was erased; the link can no longer be opened."));
        }

        var stored = await store.GetVersionAsync(link.RecordId, link.Version, cancellationToken).ConfigureAwait(false);
        var outcome = IntegrityOutcome.Evaluate(cipher, header, link.Version, stored, null, link.Anchor?.TxId, link.AnchoredContentHash, link.AnchoredCiphertextHash);
        if (!outcome.Verified)
        {
            throw outcome.ToReadError(link.RecordId, link.Version);
        }

        var consumed = shareLinks.TryConsume(token, now);
        if (consumed.Outcome != ConsumeOutcome.Consumed)
        {
            ThrowIfUnusable(consumed.Link!, now);
        }

        await events.RecordAsync(new ShareLinkOpened(Guid.NewGuid(), now, link.ShareLinkId, link.RecordId, link.Version, link.PatientAccountId, null), cancellationToken).ConfigureAwait(false);
        await events.RecordAsync(new RecordRead(Guid.NewGuid(), now, link.RecordId, link.Version, link.PatientAccountId, null, AccountRole.Unspecified,
            AccessBasis.ShareLink, null, link.ShareLinkId, null, null), cancellationToken).ConfigureAwait(false);
        return new OpenShareLinkResponse { Record = ToRecord(header, outcome), ShareLinkId = link.ShareLinkId, OpenedAt = Timestamp.FromDateTimeOffset(now) };
    }

    private static void ThrowIfUnusable(ShareLink link, DateTimeOffset now)
    {
        if (link.OpenedAt is { } opened)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"This share link was already opened (at {opened:u}); links work once. Ask the patient for a new one."));
        }

        if (now >= link.ExpiresAt)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"This share link expired at {link.ExpiresAt:u}. Ask the patient for a new one."));
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Integrity, reconciliation and the write steps
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>Checks one version against the chain: the latest anchor, or the history entry for older versions.</summary>
    private async Task<IntegrityOutcome> CheckAsync(StoredRecord header, long version, CancellationToken cancellationToken, ChainRecord? chainLatest = null)
    {
        chainLatest ??= await anchors.GetAsync(header.RecordId, cancellationToken).ConfigureAwait(false);
        var stored = await store.GetVersionAsync(header.RecordId, version, cancellationToken).ConfigureAwait(false);
        if (stored is { State: VersionState.Pending })
        {
            stored = null; // a write in progress is not yet a version of the record
        }

        ChainRecord? anchor = null;
        string? txId = null;
        if (chainLatest is not null && chainLatest.Version == version)
        {
            anchor = chainLatest;
            txId = stored?.Anchor?.TxId;
        }
        else if (chainLatest is not null && chainLatest.Version > version)
        {
            var entry = (await anchors.GetHistoryAsync(header.RecordId, cancellationToken).ConfigureAwait(false)).FirstOrDefault(e => e.Record.Version == version);
            anchor = entry?.Record;
            txId = entry?.TransactionId;
        }

        return IntegrityOutcome.Evaluate(cipher, header, version, stored, anchor, txId, anchor?.PlaintextHash, anchor?.CiphertextHash);
    }

    private async Task<StoredRecord> ReconcileIfPendingAsync(StoredRecord header, CancellationToken cancellationToken)
    {
        if (header.PendingVersion is null)
        {
            return header;
        }

        using var _ = await locks.AcquireAsync(header.RecordId, cancellationToken).ConfigureAwait(false);
        var current = await store.GetRecordAsync(header.RecordId, cancellationToken).ConfigureAwait(false) ?? header;
        return await ReconcileAsync(current, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Completes or discards a pending version left by an interrupted write. Call with the record's lock held.</summary>
    private async Task<StoredRecord> ReconcileAsync(StoredRecord header, CancellationToken cancellationToken)
    {
        if (header.PendingVersion is not { } pendingVersion)
        {
            return header;
        }

        var pending = await store.GetVersionAsync(header.RecordId, pendingVersion, cancellationToken).ConfigureAwait(false);
        if (pending is null || pending.State == VersionState.Committed)
        {
            return await store.PutRecordAsync(header with
            {
                PendingVersion = null,
                LatestVersion = pending is null ? header.LatestVersion : Math.Max(header.LatestVersion, pendingVersion),
            }, cancellationToken).ConfigureAwait(false);
        }

        var history = await anchors.GetHistoryAsync(header.RecordId, cancellationToken).ConfigureAwait(false);
        var anchored = history.FirstOrDefault(e => e.Record.Version == pendingVersion);
        if (anchored is not null && anchored.Record.PlaintextHash == pending.ContentHash && anchored.Record.CiphertextHash == pending.CiphertextHash)
        {
            LogCompleted(logger, header.RecordId, pendingVersion);
            await CommitAsync(header with { SealedTitle = TitleOf(header.RecordId, pending) ?? header.SealedTitle }, pending, anchored.TransactionId, 0, anchored.Record).ConfigureAwait(false);
            return (await store.GetRecordAsync(header.RecordId, cancellationToken).ConfigureAwait(false))!;
        }

        if (anchored is not null || time.GetUtcNow() - pending.WrittenAt > options.PendingGracePeriod)
        {
            LogDiscarded(logger, header.RecordId, pendingVersion);
            await store.DeleteVersionAsync(header.RecordId, pendingVersion, pending.Revision!, cancellationToken).ConfigureAwait(false);
            return await store.PutRecordAsync(header with { PendingVersion = null }, cancellationToken).ConfigureAwait(false);
        }

        return header;
    }

    /// <summary>
    /// A writer's retry of a write whose outcome is still unknown, and that the chain does not show yet: submits the
    /// same hashes again under the first attempt's organisation. The contract takes them once, so either this
    /// submission commits, or the first one did and this one is refused as a duplicate or conflict, after which the
    /// history shows the first. Call with the record's lock held.
    /// </summary>
    private async Task<StoredRecord> RedrivePendingAsync(StoredRecord header, CancellationToken cancellationToken)
    {
        if (header.PendingVersion is not { } version
            || await store.GetVersionAsync(header.RecordId, version, cancellationToken).ConfigureAwait(false) is not { State: VersionState.Pending } pending)
        {
            return header;
        }

        var request = ToAnchorRequest(pending, header.PatientAccountId);
        AnchorReceipt receipt;
        try
        {
            receipt = version == 1
                ? await anchors.CreateAsync(request, pending.OrganisationMspId, cancellationToken).ConfigureAwait(false)
                : await anchors.UpdateAsync(request, version - 1, pending.OrganisationMspId, cancellationToken).ConfigureAwait(false);
        }
        catch (ChainCallException ex) when (ex.ContractCode is "RECORD_EXISTS" or "VERSION_CONFLICT")
        {
            return await ReconcileAsync(header, cancellationToken).ConfigureAwait(false);
        }
        catch (ChainCallException ex)
        {
            // The first attempt may still commit (it may sit with the orderer), so the pending version stays for the
            // reconciler either way; the caller learns why this attempt did not finish it.
            throw ChainErrors.ToRpc(ex, header.RecordId);
        }

        LogCompleted(logger, header.RecordId, version);
        await CommitAsync(header with { SealedTitle = TitleOf(header.RecordId, pending) ?? header.SealedTitle }, pending,
            receipt.TxId, receipt.BlockNumber, receipt.Record).ConfigureAwait(false);
        return (await store.GetRecordAsync(header.RecordId, cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary><paramref name="version"/> when it holds exactly what this update asks for, by the same writer, on the same base; else null.</summary>
    private async Task<StoredVersion?> RetriedVersionAsync(StoredRecord header, long? version, Caller caller, UpdateRecordRequest request, string contentHash,
        CancellationToken cancellationToken) =>
        version is { } v && v == request.ExpectedVersion + 1
        && await store.GetVersionAsync(header.RecordId, v, cancellationToken).ConfigureAwait(false) is { } stored
        && stored.AuthorAccountId == caller.AccountId && stored.ContentHash == contentHash && stored.ChangeReason == request.ChangeReason
            ? stored
            : null;

    private byte[]? TitleOf(string recordId, StoredVersion version)
    {
        try
        {
            var plaintext = cipher.Decrypt(recordId, version.Version, new EncryptedVersion(version.Envelope, version.WrappedKey ?? []));
            return cipher.SealTitle(recordId, CanonicalJson.Parse(plaintext).Title);
        }
        catch (Exception ex) when (ex is DecryptionFailedException or Google.Protobuf.InvalidProtocolBufferException)
        {
            return null;
        }
    }

    private static void ThrowIfUnresolved(StoredRecord header)
    {
        if (header.PendingVersion is not null)
        {
            throw new RpcException(new Status(StatusCode.Unavailable,
                $"An earlier write of record {header.RecordId} was interrupted: {WriteFailure.BeingConfirmed("that write")}"));
        }
    }

    private async Task<(StoredVersion Pending, StoredRecord Header)> StorePendingAsync(
        StoredRecord header, long version, byte[] canonical, Caller caller, string organisation, string changeReason, EhrDocument document,
        CancellationToken cancellationToken)
    {
        var encrypted = cipher.Encrypt(header.RecordId, version, canonical);
        var leftover = await store.GetVersionAsync(header.RecordId, version, cancellationToken).ConfigureAwait(false);
        var pending = await store.PutVersionAsync(new StoredVersion(
            header.RecordId, version, VersionState.Pending, encrypted.Envelope, encrypted.WrappedKey,
            RecordCipher.Sha256Hex(canonical), RecordCipher.Sha256Hex(encrypted.Envelope), caller.AccountId, organisation,
            time.GetUtcNow(), changeReason, DocumentValidator.ImageTokenIds(document), null, leftover?.Revision), cancellationToken).ConfigureAwait(false);
        var pendingHeader = await store.PutRecordAsync(header with { PendingVersion = version }, cancellationToken).ConfigureAwait(false);
        return (pending, pendingHeader);
    }

    private async Task AbandonIfCertainAsync(ChainCallException ex, StoredVersion pending, StoredRecord header)
    {
        if (ex.OutcomeUnknown)
        {
            return; // may still commit: the next read or write reconciles it
        }

        await store.DeleteVersionAsync(pending.RecordId, pending.Version, pending.Revision!, CancellationToken.None).ConfigureAwait(false);
        await store.PutRecordAsync(header with { PendingVersion = null }, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Journals the fact, then marks the version committed. Runs to the end even if the caller has gone: the chain already has it.</summary>
    private async Task<StoredVersion> CommitAsync(StoredRecord header, StoredVersion pending, string txId, ulong blockNumber, ChainRecord anchor)
    {
        var anchoredAt = anchor.UpdatedAt;
        var eventId = HybridEhr.Messaging.ChainEventIds.For(txId, 0);
        var journaled = pending.Version == 1
            ? events.RecordAsync(new RecordCreated(eventId, anchoredAt, pending.RecordId, 1, header.PatientAccountId, pending.AuthorAccountId,
                anchor.Organization, pending.ContentHash, pending.CiphertextHash, txId, blockNumber), CancellationToken.None)
            : events.RecordAsync(new RecordUpdated(eventId, anchoredAt, pending.RecordId, pending.Version, header.PatientAccountId, pending.AuthorAccountId,
                anchor.Organization, pending.ContentHash, pending.CiphertextHash, txId, blockNumber), CancellationToken.None);
        await journaled.ConfigureAwait(false);

        var committed = await store.PutVersionAsync(pending with
        {
            State = VersionState.Committed,
            OrganisationMspId = anchor.Organization,
            Anchor = new StoredAnchor(txId, blockNumber, anchoredAt, anchor.Organization),
        }, CancellationToken.None).ConfigureAwait(false);
        await store.PutRecordAsync(header with
        {
            LatestVersion = pending.Version,
            PendingVersion = null,
            UpdatedAt = anchoredAt,
        }, CancellationToken.None).ConfigureAwait(false);
        return committed;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------------------------------

    private async Task<string> ResolveIdempotentIdAsync(string callerAccountId, string key, string fingerprint, CancellationToken cancellationToken)
    {
        // Keys are honoured for 24 hours; after that the same key starts a new generation (a new record id).
        for (var generation = 0; ; generation++)
        {
            var id = IdempotentRecordId(callerAccountId, key, generation);
            var existing = await store.GetRecordAsync(id, cancellationToken).ConfigureAwait(false);
            if (existing is null)
            {
                return id;
            }

            if (time.GetUtcNow() - existing.CreatedAt < IdempotencyWindow)
            {
                return existing.RequestFingerprint == fingerprint
                    ? id
                    : throw new RpcException(new Status(StatusCode.AlreadyExists, "idempotency_key was already used for a different request in the last 24 hours."));
            }
        }
    }

    private string IdempotentRecordId(string callerAccountId, string key, int generation) =>
        "r-" + IdempotencyHandle(callerAccountId, $"{key}\n{generation}")[..32];

    private static string IdempotencyHandle(string callerAccountId, string key) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"idempotency\n{callerAccountId}\n{key}")));

    private static string NewRecordId() => "r-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private async Task<StoredRecord> FindHeaderAsync(string recordId, CancellationToken cancellationToken)
    {
        var header = IsIssuedId(recordId) ? await store.GetRecordAsync(recordId, cancellationToken).ConfigureAwait(false) : null;
        return header ?? throw RecordNotFound(recordId);
    }

    private static long ResolveVersion(StoredRecord header, long? requested)
    {
        if (header.LatestVersion == 0)
        {
            throw RecordNotFound(header.RecordId);
        }

        if (header.Erased)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"Record {header.RecordId} was erased (its data key destroyed); only its history remains."));
        }

        var version = requested ?? header.LatestVersion;
        return version <= header.LatestVersion
            ? version
            : throw new RpcException(new Status(StatusCode.NotFound, $"Record {header.RecordId} has versions 1 to {header.LatestVersion}; there is no version {version}."));
    }

    private static byte[] Canonicalize(EhrDocument? document, List<string> errors)
    {
        if (document is null)
        {
            errors.Add("document: is required");
            return [];
        }

        var canonical = CanonicalJson.Serialize(document);
        errors.AddRange(DocumentValidator.Validate(document, canonical.Length));
        return canonical;
    }

    private static void ValidateRecordAndVersion(string recordId, bool hasVersion, long version)
    {
        var errors = new List<string>();
        if (recordId.Length == 0)
        {
            errors.Add("record_id: is required");
        }

        if (hasVersion && version < 1)
        {
            errors.Add("version: must be 1 or more (unset = the latest)");
        }

        ThrowIfInvalid(errors);
    }

    private static void ThrowIfInvalid(List<string> errors)
    {
        if (errors.Count > 0)
        {
            throw Invalid(string.Join("; ", errors));
        }
    }

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));

    private static RpcException RecordNotFound(string recordId) => new(new Status(StatusCode.NotFound, $"There is no record {recordId}."));

    private static bool IsIssuedId(string recordId) => IssuedId().IsMatch(recordId);

    private static AnchorRequest ToAnchorRequest(StoredVersion version, string patient) =>
        new(version.RecordId, patient, version.ContentHash, version.CiphertextHash, version.ImageTokenIds);

    private Record ToRecord(StoredRecord header, IntegrityOutcome outcome)
    {
        var stored = outcome.Stored!;
        var version = ToRecordVersion(stored);
        if (outcome.Anchor is not null)
        {
            version.Anchor ??= new ChainAnchor();
            version.Anchor.TxId = outcome.AnchorTxId ?? version.Anchor.TxId;
            version.Anchor.AnchoredAt = Timestamp.FromDateTimeOffset(outcome.Anchor.UpdatedAt);
            version.Anchor.OrganisationMspId = outcome.Anchor.Organization;
        }

        return new Record
        {
            RecordId = header.RecordId,
            PatientAccountId = header.PatientAccountId,
            Version = version,
            LatestVersion = header.LatestVersion,
            CreatedAt = Timestamp.FromDateTimeOffset(header.CreatedAt),
            CreatedByAccountId = header.CreatedByAccountId,
            Document = CanonicalJson.Parse(outcome.Plaintext),
        };
    }

    private static RecordVersion ToRecordVersion(StoredVersion stored) => new()
    {
        Version = stored.Version,
        ContentHash = stored.ContentHash,
        CiphertextHash = stored.CiphertextHash,
        AuthorAccountId = stored.AuthorAccountId,
        OrganisationMspId = stored.OrganisationMspId,
        WrittenAt = Timestamp.FromDateTimeOffset(stored.Anchor?.AnchoredAt ?? stored.WrittenAt),
        Anchor = ToChainAnchor(stored.Anchor),
        ChangeReason = stored.ChangeReason,
    };

    private static ChainAnchor? ToChainAnchor(StoredAnchor? anchor) => anchor is null ? null : new ChainAnchor
    {
        TxId = anchor.TxId,
        BlockNumber = anchor.BlockNumber,
        AnchoredAt = Timestamp.FromDateTimeOffset(anchor.AnchoredAt),
        OrganisationMspId = anchor.OrganisationMspId,
    };

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex IssuedId();

    [LoggerMessage(Level = LogLevel.Information, Message = "Completed interrupted write of record {RecordId} version {Version}: the chain anchors it")]
    private static partial void LogCompleted(ILogger logger, string recordId, long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Discarded pending version {Version} of record {RecordId}: it never reached the chain")]
    private static partial void LogDiscarded(ILogger logger, string recordId, long version);
}

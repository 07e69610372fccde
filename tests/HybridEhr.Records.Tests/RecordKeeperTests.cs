using System.Security.Cryptography;
using Google.Protobuf.WellKnownTypes;
using HybridEhr.Contracts.Events;
using HybridEhr.Contracts.Records.V1;
using Grpc.Core;
using HybridEhr.Records.Access;
using HybridEhr.Records.Application;
using HybridEhr.Records.Crypto;
using HybridEhr.Records.Sharing;
using HybridEhr.Records.Storage;
using HybridEhr.ServiceDefaults.Writes;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace HybridEhr.Records.Tests;

public sealed class RecordKeeperTests : IDisposable
{
    private static readonly string Alice = Callers.Account("alice");
    private static readonly string Bob = Callers.Account("bob");
    private static readonly string DrSmith = Callers.Account("drsmith");
    private static readonly string DrJones = Callers.Account("drjones");

    private readonly TempDirectory _directory = new();
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero));
    private readonly FakeAnchors _chain;
    private readonly FakePermissions _permissions = new();
    private readonly FakeAccounts _accounts = new();
    private readonly FakeJournal _journal = new();
    private readonly FileRecordDocumentStore _store;
    private readonly RecordKeeper _keeper;

    public RecordKeeperTests()
    {
        _chain = new FakeAnchors(_clock);
        _store = new FileRecordDocumentStore(Path.Combine(_directory.Path, "records"));
        _accounts.Patients.UnionWith([Alice, Bob]);
        _permissions.Grants[(Alice, DrSmith)] = "grant-alice-smith";
        _keeper = NewKeeper(_store);
    }

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task A_doctor_with_a_grant_creates_a_record_anchored_with_both_hashes()
    {
        var created = await CreateAsync();

        var anchor = (await _chain.GetAsync(created.RecordId, default))!;
        Assert.Equal(1, created.Version.Version);
        Assert.Equal(anchor.PlaintextHash, created.Version.ContentHash);
        Assert.Equal(anchor.CiphertextHash, created.Version.CiphertextHash);
        Assert.Equal(RecordCipher.Sha256Hex(Documents.CanonicalJson(Documents.Pneumonia())), created.Version.ContentHash);
        Assert.Equal(Alice, anchor.Patient);
        Assert.NotEmpty(created.Version.Anchor.TxId);
        var fact = Assert.Single(_journal.OfType<RecordCreated>());
        Assert.Equal(created.RecordId, fact.RecordId);
        Assert.Equal(HybridEhr.Messaging.ChainEventIds.For(created.Version.Anchor.TxId, 0), fact.EventId);
        Assert.Equal([true], _permissions.StrictAsked);
    }

    [Fact]
    public async Task The_patient_reads_their_own_record_and_the_read_is_audited_first()
    {
        var created = await CreateAsync();

        var response = await _keeper.GetAsync(Callers.Patient(Alice), new GetRecordRequest { RecordId = created.RecordId }, default);

        Assert.Equal(Documents.Pneumonia(), response.Record.Document);
        Assert.Equal(1, response.Record.LatestVersion);
        Assert.Equal("", response.GrantId);
        var read = Assert.Single(_journal.OfType<RecordRead>());
        Assert.Equal((Alice, AccessBasis.Owner, AccountRole.Patient), (read.ReaderAccountId, read.Basis, read.ReaderRole));
    }

    [Fact]
    public async Task A_doctor_reads_under_a_live_grant_and_the_grant_is_named()
    {
        var created = await CreateAsync();

        var response = await _keeper.GetAsync(Callers.Doctor(DrSmith), new GetRecordRequest { RecordId = created.RecordId }, default);

        Assert.Equal("grant-alice-smith", response.GrantId);
        var read = Assert.Single(_journal.OfType<RecordRead>());
        Assert.Equal((AccessBasis.Grant, "grant-alice-smith"), (read.Basis, read.GrantId));
    }

    [Fact]
    public async Task Nobody_else_reads()
    {
        var created = await CreateAsync();
        var request = new GetRecordRequest { RecordId = created.RecordId };

        await ExpectStatus(StatusCode.PermissionDenied, () => _keeper.GetAsync(Callers.Doctor(DrJones), request, default));
        await ExpectStatus(StatusCode.PermissionDenied, () => _keeper.GetAsync(Callers.Patient(Bob), request, default));
        await ExpectStatus(StatusCode.PermissionDenied, () => _keeper.GetAsync(Callers.Service("imagenft"), request, default));
        _permissions.Grants.TryRemove((Alice, DrSmith), out _);
        await ExpectStatus(StatusCode.PermissionDenied, () => _keeper.GetAsync(Callers.Doctor(DrSmith), request, default));
        Assert.Empty(_journal.OfType<RecordRead>());
    }

    [Fact]
    public async Task Patients_never_write_and_doctors_need_a_grant()
    {
        await ExpectStatus(StatusCode.PermissionDenied, () => _keeper.CreateAsync(Callers.Patient(Alice), CreateRequest(), default));
        await ExpectStatus(StatusCode.PermissionDenied, () => _keeper.CreateAsync(Callers.Doctor(DrJones), CreateRequest(), default));
        await ExpectStatus(StatusCode.PermissionDenied, () => _keeper.CreateAsync(Callers.Doctor(DrSmith, organisation: null), CreateRequest(), default));
        var created = await CreateAsync();
        var update = UpdateRequest(created.RecordId, 1);
        await ExpectStatus(StatusCode.PermissionDenied, () => _keeper.UpdateAsync(Callers.Patient(Alice), update, default));
        await ExpectStatus(StatusCode.PermissionDenied, () => _keeper.UpdateAsync(Callers.Doctor(DrJones), update, default));
        Assert.Equal(1, _chain.Submissions);
    }

    [Fact]
    public async Task A_patient_that_does_not_exist_is_not_found()
    {
        var request = CreateRequest();
        request.PatientAccountId = Callers.Account("nobody");

        await ExpectStatus(StatusCode.NotFound, () => _keeper.CreateAsync(Callers.Doctor(DrSmith), request, default));
    }

    [Fact]
    public async Task Invalid_input_names_the_fields()
    {
        var request = CreateRequest();
        request.PatientAccountId = "alice";
        request.Document.Encounters[0].EncounterId = "bad id";

        var ex = await ExpectStatus(StatusCode.InvalidArgument, () => _keeper.CreateAsync(Callers.Doctor(DrSmith), request, default));

        Assert.Contains("patient_account_id", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("document.encounters[0].encounter_id", ex.Status.Detail, StringComparison.Ordinal);
        await ExpectStatus(StatusCode.InvalidArgument, () => _keeper.GetAsync(Callers.Patient(Alice), new GetRecordRequest { RecordId = "" }, default));
        await ExpectStatus(StatusCode.InvalidArgument, () => _keeper.GetAsync(Callers.Patient(Alice), new GetRecordRequest { RecordId = "r-1", Version = 0 }, default));
        await ExpectStatus(StatusCode.NotFound, () => _keeper.GetAsync(Callers.Patient(Alice), new GetRecordRequest { RecordId = "../../etc" }, default));
    }

    [Fact]
    public async Task Updates_are_versioned_and_a_stale_version_is_aborted()
    {
        var created = await CreateAsync();

        var updated = await _keeper.UpdateAsync(Callers.Doctor(DrSmith), UpdateRequest(created.RecordId, 1), default);
        var otherEdit = UpdateRequest(created.RecordId, 1);
        otherEdit.Document.Medications[0].Drug = "Azithromycin";
        await ExpectStatus(StatusCode.Aborted, () => _keeper.UpdateAsync(Callers.Doctor(DrSmith), otherEdit, default));

        Assert.Equal(2, updated.Version.Version);
        Assert.Equal("Antibiotic changed", updated.Version.ChangeReason);
        var latest = await _keeper.GetAsync(Callers.Patient(Alice), new GetRecordRequest { RecordId = created.RecordId }, default);
        var first = await _keeper.GetAsync(Callers.Patient(Alice), new GetRecordRequest { RecordId = created.RecordId, Version = 1 }, default);
        Assert.Equal("Admission 2026-03 pneumonia (revised)", latest.Record.Document.Title);
        Assert.Equal("Admission 2026-03 pneumonia", first.Record.Document.Title);
        Assert.Equal(2, first.Record.LatestVersion);
        Assert.Single(_journal.OfType<RecordUpdated>());
        await ExpectStatus(StatusCode.NotFound, () => _keeper.GetAsync(Callers.Patient(Alice), new GetRecordRequest { RecordId = created.RecordId, Version = 3 }, default));
    }

    [Fact]
    public async Task A_conflict_the_chain_finds_is_aborted_and_leaves_no_pending_version()
    {
        var created = await CreateAsync();
        // Another Records instance updated the chain behind this one's back.
        await _chain.UpdateAsync(new Chain.AnchorRequest(created.RecordId, Alice, new string('1', 64), new string('2', 64), []), 1, "HospitalBMSP", default);

        await ExpectStatus(StatusCode.Aborted, () => _keeper.UpdateAsync(Callers.Doctor(DrSmith), UpdateRequest(created.RecordId, 1), default));

        Assert.Null((await _store.GetRecordAsync(created.RecordId, default))!.PendingVersion);
        Assert.Null(await _store.GetVersionAsync(created.RecordId, 2, default));
    }

    [Theory]
    [InlineData("NOT_ENROLLED_DOCTOR", StatusCode.PermissionDenied)]
    [InlineData("TOKEN_NOT_FOUND", StatusCode.InvalidArgument)]
    [InlineData("PATIENT_MISMATCH", StatusCode.InvalidArgument)]
    [InlineData("TOKEN_RECORD_MISMATCH", StatusCode.InvalidArgument)]
    [InlineData("RECORD_EXISTS", StatusCode.AlreadyExists)]
    public async Task Contract_refusals_become_precise_statuses_and_write_nothing(string contractCode, StatusCode expected)
    {
        _chain.RefuseNext = contractCode;

        await ExpectStatus(expected, () => _keeper.CreateAsync(Callers.Doctor(DrSmith), CreateRequest(), default));

        var list = await _keeper.ListAsync(Callers.Patient(Alice), new ListRecordsRequest { PatientAccountId = Alice }, default);
        Assert.Empty(list.Records);
        Assert.Empty(_journal.OfType<RecordCreated>());
    }

    [Fact]
    public async Task Tampering_with_the_store_is_refused_on_read_and_reported_by_verify()
    {
        var created = await CreateAsync();
        var stored = (await _store.GetVersionAsync(created.RecordId, 1, default))!;
        var altered = (byte[])stored.Envelope.Clone();
        altered[20] ^= 0x01;
        await _store.PutVersionAsync(stored with { Envelope = altered }, default);

        var ex = await ExpectStatus(StatusCode.DataLoss, () => _keeper.GetAsync(Callers.Patient(Alice), new GetRecordRequest { RecordId = created.RecordId }, default));
        var verdict = await _keeper.VerifyAsync(Callers.Patient(Alice), new VerifyRecordRequest { RecordId = created.RecordId }, default);

        Assert.Contains("does not match its chain anchor", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(IntegrityVerdict.CiphertextMismatch, verdict.Verdict);
        Assert.Equal(created.Version.CiphertextHash, verdict.AnchoredCiphertextHash);
        Assert.NotEqual(verdict.AnchoredCiphertextHash, verdict.ComputedCiphertextHash);
        Assert.Empty(_journal.OfType<RecordRead>());
        await ExpectStatus(StatusCode.DataLoss, () => _keeper.UpdateAsync(Callers.Doctor(DrSmith), UpdateRequest(created.RecordId, 1), default));
    }

    [Fact]
    public async Task Verify_tells_a_healthy_record_a_lost_one_and_a_re_encrypted_one_apart()
    {
        var created = await CreateAsync();
        var patient = Callers.Patient(Alice);
        Assert.Equal(IntegrityVerdict.Verified, (await _keeper.VerifyAsync(patient, new VerifyRecordRequest { RecordId = created.RecordId }, default)).Verdict);

        // Someone re-encrypts other content and fixes up the stored hash: the anchor still catches it.
        var stored = (await _store.GetVersionAsync(created.RecordId, 1, default))!;
        var forged = NewCipher().Encrypt(created.RecordId, 1, Documents.CanonicalJson(Documents.Pneumonia("forged")));
        await _store.PutVersionAsync(stored with { Envelope = forged.Envelope, WrappedKey = forged.WrappedKey, CiphertextHash = RecordCipher.Sha256Hex(forged.Envelope) }, default);
        Assert.Equal(IntegrityVerdict.CiphertextMismatch, (await _keeper.VerifyAsync(patient, new VerifyRecordRequest { RecordId = created.RecordId }, default)).Verdict);

        File.Delete(Directory.EnumerateFiles(Path.Combine(_directory.Path, "records", created.RecordId), "v*.json").Single());
        Assert.Equal(IntegrityVerdict.DataMissing, (await _keeper.VerifyAsync(patient, new VerifyRecordRequest { RecordId = created.RecordId }, default)).Verdict);
    }

    [Fact]
    public async Task A_version_the_store_lost_is_not_hidden_behind_an_older_one()
    {
        var created = await CreateAsync();
        await _keeper.UpdateAsync(Callers.Doctor(DrSmith), UpdateRequest(created.RecordId, 1), default);
        var header = (await _store.GetRecordAsync(created.RecordId, default))!;
        await _store.PutRecordAsync(header with { LatestVersion = 1 }, default);
        File.Delete(Path.Combine(_directory.Path, "records", created.RecordId, "v00000002.json"));

        await ExpectStatus(StatusCode.DataLoss, () => _keeper.GetAsync(Callers.Patient(Alice), new GetRecordRequest { RecordId = created.RecordId }, default));
        Assert.Equal(1, (await _keeper.GetAsync(Callers.Patient(Alice), new GetRecordRequest { RecordId = created.RecordId, Version = 1 }, default)).Record.Version.Version);
    }

    [Fact]
    public async Task A_create_cut_short_shows_up_in_the_list_once_the_chain_has_it()
    {
        _chain.FailAfterCommit = StatusCode.DeadlineExceeded;
        await ExpectStatus(StatusCode.Unavailable, () => _keeper.CreateAsync(Callers.Doctor(DrSmith), CreateRequest(), default));

        var list = await _keeper.ListAsync(Callers.Patient(Alice), new ListRecordsRequest { PatientAccountId = Alice }, default);

        Assert.Equal("Admission 2026-03 pneumonia", Assert.Single(list.Records).Title);
    }

    [Fact]
    public async Task A_write_whose_outcome_was_unknown_is_completed_by_the_next_read()
    {
        _chain.FailAfterCommit = StatusCode.DeadlineExceeded;

        await ExpectStatus(StatusCode.Unavailable, () => _keeper.CreateAsync(Callers.Doctor(DrSmith), CreateRequest("retry-1"), default));
        var recordId = Assert.Single(await _store.ListByPatientAsync(Alice, default)).RecordId;
        Assert.Equal(1, (await _store.GetRecordAsync(recordId, default))!.PendingVersion);

        // A fresh process over the same data directory (as after kill -9) finishes the write on first read.
        var restarted = NewKeeper(new FileRecordDocumentStore(Path.Combine(_directory.Path, "records")));
        var read = await restarted.GetAsync(Callers.Patient(Alice), new GetRecordRequest { RecordId = recordId }, default);

        Assert.Equal(Documents.Pneumonia(), read.Record.Document);
        Assert.Single(_journal.OfType<RecordCreated>());
        var retried = await restarted.CreateAsync(Callers.Doctor(DrSmith), CreateRequest("retry-1"), default);
        Assert.Equal(recordId, retried.RecordId);
        Assert.Equal(1, _chain.Submissions);
    }

    [Fact]
    public async Task A_create_cut_after_the_chain_committed_it_returns_the_first_result_on_retry()
    {
        // FabricGateway killed after committing: the client sees UNAVAILABLE, and must not be told "nothing was written".
        _chain.FailAfterCommit = StatusCode.Unavailable;
        var lost = await Assert.ThrowsAsync<RpcException>(() => _keeper.CreateAsync(Callers.Doctor(DrSmith), CreateRequest("cut-1"), default));
        Assert.Contains("being confirmed", lost.Status.Detail);

        var retried = await _keeper.CreateAsync(Callers.Doctor(DrSmith), CreateRequest("cut-1"), default);

        Assert.Equal(1, retried.Version.Version);
        Assert.Equal(1, _chain.Submissions);
        var read = await _keeper.GetAsync(Callers.Patient(Alice), new GetRecordRequest { RecordId = retried.RecordId }, default);
        Assert.Equal(Documents.Pneumonia(), read.Record.Document);
        Assert.Single(_journal.OfType<RecordCreated>());
    }

    [Fact]
    public async Task A_create_cut_before_the_chain_had_it_is_finished_by_the_retry()
    {
        _chain.FailBeforeCommit = StatusCode.Unavailable;
        await ExpectStatus(StatusCode.Unavailable, () => _keeper.CreateAsync(Callers.Doctor(DrSmith), CreateRequest("cut-2"), default));

        var retried = await _keeper.CreateAsync(Callers.Doctor(DrSmith), CreateRequest("cut-2"), default);

        Assert.Equal(2, _chain.Submissions);
        Assert.Equal(1, (await _chain.GetAsync(retried.RecordId, default))!.Version);
        Assert.Equal(retried.Version.ContentHash, (await _chain.GetAsync(retried.RecordId, default))!.PlaintextHash);
        var list = await _keeper.ListAsync(Callers.Patient(Alice), new ListRecordsRequest { PatientAccountId = Alice }, default);
        Assert.Equal(retried.RecordId, Assert.Single(list.Records).RecordId);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_update_retried_after_a_cut_connection_returns_its_version_instead_of_a_conflict(bool committedBeforeTheCut)
    {
        var created = await CreateAsync();
        if (committedBeforeTheCut)
        {
            _chain.FailAfterCommit = StatusCode.Unavailable;
        }
        else
        {
            _chain.FailBeforeCommit = StatusCode.Unavailable;
        }

        await ExpectStatus(StatusCode.Unavailable, () => _keeper.UpdateAsync(Callers.Doctor(DrSmith), UpdateRequest(created.RecordId, 1), default));
        var retried = await _keeper.UpdateAsync(Callers.Doctor(DrSmith), UpdateRequest(created.RecordId, 1), default);

        Assert.Equal(2, retried.Version.Version);
        Assert.Equal(2, (await _chain.GetAsync(created.RecordId, default))!.Version);
        Assert.Single(_journal.OfType<RecordUpdated>());
        var stale = UpdateRequest(created.RecordId, 1);
        stale.ChangeReason = "a different edit on the same base";
        await ExpectStatus(StatusCode.Aborted, () => _keeper.UpdateAsync(Callers.Doctor(DrSmith), stale, default));
    }

    [Fact]
    public async Task A_pending_version_the_chain_never_saw_is_discarded_after_the_grace_period()
    {
        var created = await CreateAsync();
        var header = (await _store.GetRecordAsync(created.RecordId, default))!;
        var encrypted = NewCipher().Encrypt(created.RecordId, 2, [1]);
        await _store.PutVersionAsync(new StoredVersion(created.RecordId, 2, VersionState.Pending, encrypted.Envelope, encrypted.WrappedKey,
            "c", "x", DrSmith, "HospitalAMSP", _clock.GetUtcNow(), "", [], null), default);
        await _store.PutRecordAsync(header with { PendingVersion = 2 }, default);

        await ExpectStatus(StatusCode.Unavailable, () => _keeper.UpdateAsync(Callers.Doctor(DrSmith), UpdateRequest(created.RecordId, 1), default));
        Assert.Equal(1, (await _keeper.GetAsync(Callers.Patient(Alice), new GetRecordRequest { RecordId = created.RecordId }, default)).Record.LatestVersion);
        _clock.Advance(TimeSpan.FromMinutes(3));

        var updated = await _keeper.UpdateAsync(Callers.Doctor(DrSmith), UpdateRequest(created.RecordId, 1), default);
        Assert.Equal(2, updated.Version.Version);
    }

    [Fact]
    public async Task Idempotency_keys_return_the_first_result_and_refuse_a_different_request()
    {
        var first = await _keeper.CreateAsync(Callers.Doctor(DrSmith), CreateRequest("key-1"), default);
        var again = await _keeper.CreateAsync(Callers.Doctor(DrSmith), CreateRequest("key-1"), default);
        var different = CreateRequest("key-1");
        different.Document.Title = "Another record";

        Assert.Equal(first.RecordId, again.RecordId);
        Assert.Equal(first.Version.ContentHash, again.Version.ContentHash);
        await ExpectStatus(StatusCode.AlreadyExists, () => _keeper.CreateAsync(Callers.Doctor(DrSmith), different, default));
        _clock.Advance(TimeSpan.FromHours(25));
        var later = await _keeper.CreateAsync(Callers.Doctor(DrSmith), different, default);
        Assert.NotEqual(first.RecordId, later.RecordId);
    }

    [Fact]
    public async Task Lists_are_paged_newest_first_without_clinical_content()
    {
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await CreateAsync()).RecordId);
            _clock.Advance(TimeSpan.FromMinutes(1));
        }

        var patient = Callers.Patient(Alice);
        var page1 = await _keeper.ListAsync(patient, new ListRecordsRequest { PatientAccountId = Alice, PageSize = 3 }, default);
        var page2 = await _keeper.ListAsync(patient, new ListRecordsRequest { PatientAccountId = Alice, PageSize = 3, PageToken = page1.NextPageToken }, default);

        Assert.Equal(ids.AsEnumerable().Reverse(), page1.Records.Concat(page2.Records).Select(r => r.RecordId));
        Assert.Equal("", page2.NextPageToken);
        Assert.Equal("Admission 2026-03 pneumonia", page1.Records[0].Title);
        await ExpectStatus(StatusCode.InvalidArgument, () => _keeper.ListAsync(patient, new ListRecordsRequest { PatientAccountId = Alice, PageToken = page1.NextPageToken + "x" }, default));
        await ExpectStatus(StatusCode.InvalidArgument, () => _keeper.ListAsync(patient, new ListRecordsRequest { PatientAccountId = Alice, PageSize = -1 }, default));
        await ExpectStatus(StatusCode.PermissionDenied, () => _keeper.ListAsync(Callers.Patient(Bob), new ListRecordsRequest { PatientAccountId = Alice }, default));
        Assert.Equal(5, (await _keeper.ListAsync(Callers.Doctor(DrSmith), new ListRecordsRequest { PatientAccountId = Alice }, default)).Records.Count);
    }

    [Fact]
    public async Task History_lists_the_anchored_versions_oldest_first()
    {
        var created = await CreateAsync();
        await _keeper.UpdateAsync(Callers.Doctor(DrSmith), UpdateRequest(created.RecordId, 1), default);

        var history = await _keeper.GetHistoryAsync(Callers.Patient(Alice), new GetRecordHistoryRequest { RecordId = created.RecordId, PageSize = 1 }, default);
        var rest = await _keeper.GetHistoryAsync(Callers.Patient(Alice), new GetRecordHistoryRequest { RecordId = created.RecordId, PageSize = 1, PageToken = history.NextPageToken }, default);

        Assert.Equal([1L, 2L], history.Versions.Concat(rest.Versions).Select(v => v.Version));
        Assert.Equal("Antibiotic changed", rest.Versions[0].ChangeReason);
        Assert.Equal(created.Version.Anchor.TxId, history.Versions[0].Anchor.TxId);
        await ExpectStatus(StatusCode.PermissionDenied, () => _keeper.GetHistoryAsync(Callers.Patient(Bob), new GetRecordHistoryRequest { RecordId = created.RecordId }, default));
    }

    [Fact]
    public async Task A_share_link_shows_one_version_once()
    {
        var created = await CreateAsync();
        var link = await _keeper.CreateShareLinkAsync(Callers.Patient(Alice), ShareRequest(created.RecordId), default);
        await _keeper.UpdateAsync(Callers.Doctor(DrSmith), UpdateRequest(created.RecordId, 1), default);

        var opened = await _keeper.OpenShareLinkAsync(link.Token, "10.0.0.1", default);

        Assert.Equal(1, opened.Record.Version.Version);
        Assert.Equal(Documents.Pneumonia(), opened.Record.Document);
        var read = _journal.OfType<RecordRead>().Single(r => r.Basis == AccessBasis.ShareLink);
        Assert.Equal((link.ShareLinkId, (string?)null), (read.ShareLinkId, read.ReaderAccountId));
        Assert.Single(_journal.OfType<ShareLinkOpened>());
        var again = await ExpectStatus(StatusCode.FailedPrecondition, () => _keeper.OpenShareLinkAsync(link.Token, "10.0.0.1", default));
        Assert.Contains("already opened", again.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Share_links_expire_and_only_the_patient_makes_them()
    {
        var created = await CreateAsync();
        await ExpectStatus(StatusCode.PermissionDenied, () => _keeper.CreateShareLinkAsync(Callers.Doctor(DrSmith), ShareRequest(created.RecordId), default));
        await ExpectStatus(StatusCode.PermissionDenied, () => _keeper.CreateShareLinkAsync(Callers.Patient(Bob), ShareRequest(created.RecordId), default));
        var tooLong = ShareRequest(created.RecordId);
        tooLong.TimeToLive = Duration.FromTimeSpan(TimeSpan.FromDays(8));
        await ExpectStatus(StatusCode.InvalidArgument, () => _keeper.CreateShareLinkAsync(Callers.Patient(Alice), tooLong, default));

        var link = await _keeper.CreateShareLinkAsync(Callers.Patient(Alice), ShareRequest(created.RecordId), default);
        _clock.Advance(TimeSpan.FromMinutes(11));

        var expired = await ExpectStatus(StatusCode.FailedPrecondition, () => _keeper.OpenShareLinkAsync(link.Token, "10.0.0.1", default));
        Assert.Contains("expired", expired.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_and_malformed_tokens_and_guessing()
    {
        await ExpectStatus(StatusCode.InvalidArgument, () => _keeper.OpenShareLinkAsync("", "10.0.0.9", default));
        await ExpectStatus(StatusCode.InvalidArgument, () => _keeper.OpenShareLinkAsync("not-a-token", "10.0.0.9", default));
        for (var i = 0; i < 20; i++)
        {
            await ExpectStatus(StatusCode.NotFound, () => _keeper.OpenShareLinkAsync(RandomToken(), "10.0.0.9", default));
        }

        await ExpectStatus(StatusCode.ResourceExhausted, () => _keeper.OpenShareLinkAsync(RandomToken(), "10.0.0.9", default));
    }

    [Fact]
    public async Task A_tampered_shared_version_is_refused_without_using_up_the_link()
    {
        var created = await CreateAsync();
        var link = await _keeper.CreateShareLinkAsync(Callers.Patient(Alice), ShareRequest(created.RecordId), default);
        var stored = (await _store.GetVersionAsync(created.RecordId, 1, default))!;
        var original = stored.Envelope;
        var altered = (byte[])original.Clone();
        altered[^1] ^= 0x01;
        stored = await _store.PutVersionAsync(stored with { Envelope = altered }, default);

        await ExpectStatus(StatusCode.DataLoss, () => _keeper.OpenShareLinkAsync(link.Token, "10.0.0.1", default));
        await _store.PutVersionAsync(stored with { Envelope = original }, default);

        Assert.Equal(1, (await _keeper.OpenShareLinkAsync(link.Token, "10.0.0.1", default)).Record.Version.Version);
    }

    [Fact]
    public async Task Concurrent_openers_of_one_link_get_the_record_exactly_once()
    {
        var created = await CreateAsync();
        var link = await _keeper.CreateShareLinkAsync(Callers.Patient(Alice), ShareRequest(created.RecordId), default);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            try
            {
                await _keeper.OpenShareLinkAsync(link.Token, "10.0.0.1", default);
                return StatusCode.OK;
            }
            catch (RpcException ex)
            {
                return ex.Status.StatusCode;
            }
        })));

        Assert.Single(outcomes, o => o == StatusCode.OK);
        Assert.All(outcomes.Where(o => o != StatusCode.OK), o => Assert.Equal(StatusCode.FailedPrecondition, o));
        Assert.Single(_journal.OfType<RecordRead>());
    }

    private RecordKeeper NewKeeper(IRecordDocumentStore store)
    {
        var key = new KeyEncryptionKey(TestKey);
        return new RecordKeeper(store, _chain, new AccessPolicy(_permissions, _accounts), new RecordCipher(key),
            new ShareLinkBook(Path.Combine(_directory.Path, "share-links"), key.Derive("share-links")), new GuessThrottle(_clock),
            _journal, new PageTokens(key.Derive("page-tokens"), _clock), new KeyedLock(), new RecordsOptions(), _clock, NullLogger<RecordKeeper>.Instance);
    }

    private static readonly byte[] TestKey = RandomNumberGenerator.GetBytes(32);

    private static RecordCipher NewCipher() => new(new KeyEncryptionKey(TestKey));

    private Task<CreateRecordResponse> CreateAsync() => _keeper.CreateAsync(Callers.Doctor(DrSmith), CreateRequest(), default);

    private static CreateRecordRequest CreateRequest(string idempotencyKey = "") =>
        new() { PatientAccountId = Alice, Document = Documents.Pneumonia(), IdempotencyKey = idempotencyKey };

    private static UpdateRecordRequest UpdateRequest(string recordId, long expected)
    {
        var document = Documents.Pneumonia("Admission 2026-03 pneumonia (revised)");
        document.Medications[0].Drug = "Doxycycline";
        return new UpdateRecordRequest { RecordId = recordId, ExpectedVersion = expected, Document = document, ChangeReason = "Antibiotic changed" };
    }

    private static CreateShareLinkRequest ShareRequest(string recordId) =>
        new() { RecordId = recordId, TimeToLive = Duration.FromTimeSpan(TimeSpan.FromMinutes(10)), Note = "Clinic visit" };

    private static string RandomToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static async Task<RpcException> ExpectStatus<T>(StatusCode expected, Func<Task<T>> call)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(ex.Status.StatusCode == expected, $"expected {expected}, got {ex.Status.StatusCode}: {ex.Status.Detail}");
        return ex;
    }
}

using HybridEhr.Contracts.Common.V1;
using HybridEhr.Contracts.Identity.V1;
using HybridEhr.Contracts.Permissions.V1;
using HybridEhr.Contracts.Records.V1;
using Grpc.Core;
using Xunit;

namespace HybridEhr.EndToEnd.Tests;

/// <summary>
/// Every write that crosses a process, cut after its request was sent: the chain's side (FabricGateway or the
/// devnet) receives the request and does the work, the proxy in front of it drops the answer and resets the
/// connection, as a crash right after the write would. The caller must hear "being confirmed", never "nothing was
/// written"; the write must end complete (never stuck), and the retry must return the first attempt's result.
/// </summary>
[Collection(FaultInjectionCollection.Name)]
public sealed class OutcomeUnknownTests(FaultInjectionSystemFixture fixture) : EndToEndTest(fixture)
{
    private const string FabricSubmit = "/hybridehr.fabricgateway.v1.FabricGateway/Submit";
    private const string DevnetSubmit = "/hybridehr.devnet.v1.Devnet/Submit";

    [Fact]
    public async Task A_record_created_while_the_anchors_answer_is_lost_is_returned_by_the_retry()
    {
        var (patient, doctor) = await GrantedPairAsync("Olga", "Pablo");
        var request = new CreateRecordRequest { PatientAccountId = patient.AccountId, Document = SampleDocument(), IdempotencyKey = "admission-olga" };

        var (_, retried) = await LoseTheAnswerThenRetryAsync("fabricgateway", FabricSubmit,
            () => Api.Records.Call<CreateRecordRequest, CreateRecordResponse>(request, doctor.Token));
        var again = await Api.Records.Call<CreateRecordRequest, CreateRecordResponse>(request, doctor.Token);

        Assert.Equal(retried.RecordId, again.RecordId);
        var read = await Api.Records.Call<GetRecordRequest, GetRecordResponse>(new GetRecordRequest { RecordId = retried.RecordId }, patient.Token);
        Assert.Equal(request.Document, read.Record.Document);
        var list = await Api.Records.Call<ListRecordsRequest, ListRecordsResponse>(new ListRecordsRequest { PatientAccountId = patient.AccountId }, patient.Token);
        Assert.Equal(retried.RecordId, Assert.Single(list.Records).RecordId);
        var verdict = await Api.Records.Call<VerifyRecordRequest, VerifyRecordResponse>(new VerifyRecordRequest { RecordId = retried.RecordId }, patient.Token);
        Assert.Equal(IntegrityVerdict.Verified, verdict.Verdict);
    }

    [Fact]
    public async Task An_update_whose_answer_is_lost_is_returned_by_the_same_update_sent_again()
    {
        var (patient, doctor) = await GrantedPairAsync("Quim", "Rosa");
        var created = await CreateRecordAsync(doctor, patient);
        var document = SampleDocument();
        document.Title = "Admission 2026-11 (reviewed)";
        var update = new UpdateRecordRequest { RecordId = created.RecordId, ExpectedVersion = 1, Document = document, ChangeReason = "reviewed" };

        var (_, retried) = await LoseTheAnswerThenRetryAsync("fabricgateway", FabricSubmit,
            () => Api.Records.Call<UpdateRecordRequest, UpdateRecordResponse>(update, doctor.Token));

        Assert.Equal(2, retried.Version.Version);
        var read = await Api.Records.Call<GetRecordRequest, GetRecordResponse>(new GetRecordRequest { RecordId = created.RecordId }, patient.Token);
        Assert.Equal(2, read.Record.LatestVersion);
        Assert.Equal(document, read.Record.Document);
    }

    [Fact]
    public async Task An_image_whose_mint_answer_is_lost_is_returned_by_the_retry_and_reads_back_exactly()
    {
        var (patient, doctor) = await GrantedPairAsync("Sara", "Tomas");
        var created = await CreateRecordAsync(doctor, patient);
        var image = Bytes.Png(200_000, seed: 11);

        var (lost, retried) = await LoseTheAnswerThenRetryAsync("fabricgateway", FabricSubmit,
            () => UploadAsync(doctor, patient, created.RecordId, image, idempotencyKey: "xray-sara"));

        Assert.Contains(retried.TokenId, lost.Status.Detail);
        Assert.Equal(image, await DownloadAsync(patient, retried.TokenId));
        Assert.Equal(retried.TokenId, (await UploadAsync(doctor, patient, created.RecordId, image, idempotencyKey: "xray-sara")).TokenId);
    }

    [Fact]
    public async Task A_registration_whose_chain_answer_is_lost_finishes_when_sent_again()
    {
        var document = Api.NewDocument();
        var request = new RegisterRequest
        {
            IdentityDocumentNumber = document, FirstName = "Ugo", LastName = "Tester", Email = "ugo@example.org",
            Password = "correct horse Ugo", RequestedRole = Role.Patient,
        };

        var (_, retried) = await LoseTheAnswerThenRetryAsync("devnet", DevnetSubmit, () => Api.Identity.Call<RegisterRequest, RegisterResponse>(request));

        var patient = await Api.LoginAsync("Ugo", document, Role.Patient, request.Password);
        Assert.Equal(retried.AccountId, patient.AccountId);
    }

    [Fact]
    public async Task A_doctor_registration_whose_enrolment_answer_is_lost_finishes_when_sent_again()
    {
        var document = Api.NewDocument();
        await Api.EnrollDoctorAtHospitalAsync(Api.HospitalA, document);
        var request = new RegisterRequest
        {
            IdentityDocumentNumber = document, FirstName = "Iker", LastName = "Tester", Email = "iker@example.org",
            Password = "correct horse Iker", RequestedRole = Role.Doctor,
        };

        var (_, retried) = await LoseTheAnswerThenRetryAsync("fabricgateway", "/hybridehr.fabricgateway.v1.FabricGateway/EnrollMember",
            () => Api.Identity.Call<RegisterRequest, RegisterResponse>(request));

        var doctor = await Api.LoginAsync("Iker", document, Role.Doctor, request.Password);
        Assert.Equal(retried.AccountId, doctor.AccountId);
        var patient = await Api.RegisterPatientAsync("Jana");
        await Api.Permissions.Call<GrantPermissionRequest, GrantPermissionResponse>(new GrantPermissionRequest { DoctorAccountId = doctor.AccountId }, patient.Token);
        Assert.Equal(1, (await CreateRecordAsync(doctor, patient)).Version.Version);
    }

    [Fact]
    public async Task A_grant_whose_chain_answer_is_lost_is_in_force_after_the_retry()
    {
        var patient = await Api.RegisterPatientAsync("Vera");
        var doctor = await Api.RegisterDoctorAsync("Walt");
        var grant = new GrantPermissionRequest { DoctorAccountId = doctor.AccountId };

        await LoseTheAnswerThenRetryAsync("devnet", DevnetSubmit,
            () => Api.Permissions.Call<GrantPermissionRequest, GrantPermissionResponse>(grant, patient.Token));

        var created = await CreateRecordAsync(doctor, patient);
        Assert.Equal(1, created.Version.Version);
        var grantees = await Api.Permissions.Call<GetGranteesRequest, GetGranteesResponse>(new GetGranteesRequest(), patient.Token);
        Assert.Single(grantees.Grants, g => g.DoctorAccountId == doctor.AccountId);
    }

    [Fact]
    public async Task A_revoke_whose_chain_answer_is_lost_is_in_force_after_the_retry()
    {
        var (patient, doctor) = await GrantedPairAsync("Xena", "Yago");
        var created = await CreateRecordAsync(doctor, patient);
        var revoke = new RevokePermissionRequest { DoctorAccountId = doctor.AccountId };

        await LoseTheAnswerThenRetryAsync("devnet", DevnetSubmit,
            () => Api.Permissions.Call<RevokePermissionRequest, RevokePermissionResponse>(revoke, patient.Token));

        await RpcAssert.FailsWith(StatusCode.PermissionDenied,
            () => Api.Records.Call<GetRecordRequest, GetRecordResponse>(new GetRecordRequest { RecordId = created.RecordId }, doctor.Token));
    }

    [Fact]
    public async Task A_gateway_refusing_connections_means_nothing_was_written_and_a_later_retry_writes_once()
    {
        var (patient, doctor) = await GrantedPairAsync("Zoe", "Abel");
        var request = new CreateRecordRequest { PatientAccountId = patient.AccountId, Document = SampleDocument(), IdempotencyKey = "refused-zoe" };
        var proxy = Api.System.FaultProxy("fabricgateway");
        proxy.Refuse();
        try
        {
            var refused = await RpcAssert.FailsWith(StatusCode.Unavailable,
                () => Api.Records.Call<CreateRecordRequest, CreateRecordResponse>(request, doctor.Token));
            Assert.Contains("nothing was written", refused.Status.Detail);
        }
        finally
        {
            proxy.Resume();
        }

        var written = await Api.Records.Call<CreateRecordRequest, CreateRecordResponse>(request, doctor.Token);
        var list = await Api.Records.Call<ListRecordsRequest, ListRecordsResponse>(new ListRecordsRequest { PatientAccountId = patient.AccountId }, patient.Token);
        Assert.Equal(written.RecordId, Assert.Single(list.Records).RecordId);
    }

    /// <summary>
    /// Sends <paramref name="write"/> with the answer of its next <paramref name="method"/> call to <paramref name="proxied"/>
    /// dropped after the request went through: the caller must hear "being confirmed", never "nothing was written".
    /// Then sends the same write again and returns both the lost attempt's error and the retry's result.
    /// </summary>
    private async Task<(RpcException Lost, T Retried)> LoseTheAnswerThenRetryAsync<T>(string proxied, string method, Func<Task<T>> write)
    {
        var proxy = Api.System.FaultProxy(proxied);
        var dropped = proxy.Dropped;
        proxy.DropNextResponsesTo(method);

        var lost = await RpcAssert.FailsWith(StatusCode.Unavailable, write);

        Assert.Equal(dropped + 1, proxy.Dropped);
        Assert.Contains("being confirmed", lost.Status.Detail);
        Assert.DoesNotContain("nothing was written", lost.Status.Detail);
        return (lost, await write());
    }
}

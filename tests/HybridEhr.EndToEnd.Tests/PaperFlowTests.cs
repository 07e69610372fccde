using System.Diagnostics;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using HybridEhr.Contracts.Common.V1;
using HybridEhr.Contracts.Identity.V1;
using HybridEhr.Contracts.ImageNft.V1;
using HybridEhr.Contracts.Permissions.V1;
using HybridEhr.Contracts.Records.V1;
using Grpc.Core;
using Xunit;

namespace HybridEhr.EndToEnd.Tests;

/// <summary>
/// The paper's flows (Figures 4, 5, 6, 8, 10, 11 and Table 3's three cases) through the public gRPC APIs, with
/// every process separate. Each test creates its own people, so tests do not depend on each other.
/// </summary>
public abstract class PaperFlowTests(InMemorySystemFixture fixture) : EndToEndTest(fixture)
{
    [Fact]
    public async Task Figure4_registration_gives_patients_and_enrolled_doctors_their_roles()
    {
        var patient = await Api.RegisterPatientAsync("Ana");
        var doctor = await Api.RegisterDoctorAsync("Bruno", hospital: Api.HospitalB);

        var patientRole = await Api.Identity.Call<GetMyRoleRequest, GetMyRoleResponse>(new GetMyRoleRequest(), patient.Token);
        var doctorRole = await Api.Identity.Call<GetRoleRequest, GetRoleResponse>(new GetRoleRequest { AccountId = doctor.AccountId }, patient.Token);
        Assert.Equal(Role.Patient, patientRole.Role);
        Assert.Equal(Role.Doctor, doctorRole.Role);
        var account = await Api.Identity.Call<GetAccountRequest, GetAccountResponse>(new GetAccountRequest(), doctor.Token);
        Assert.Equal(Api.HospitalB, account.OrganisationMspId);
        Assert.Equal("Bruno", account.FirstName);
    }

    [Fact]
    public async Task Figure4_one_doctor_and_one_patient_account_per_document_and_no_more()
    {
        var document = Api.NewDocument();
        var doctor = await Api.RegisterDoctorAsync("Carla", document: document);
        var patient = await Api.RegisterPatientAsync("Carla", document);

        // Someone else (another password) with the same document gets no second account of either role...
        await RpcAssert.FailsWith(StatusCode.AlreadyExists, () => Api.RegisterAsync("Carlos", document, Role.Doctor));
        await RpcAssert.FailsWith(StatusCode.AlreadyExists, () => Api.RegisterAsync("Carlos", document, Role.Patient));

        // ...and Carla sending her registration again (its answer lost) gets the same accounts, not new ones.
        Assert.Equal(doctor.AccountId, (await Api.RegisterAsync("Carla", document, Role.Doctor)).AccountId);
        Assert.Equal(patient.AccountId, (await Api.RegisterAsync("Carla", document, Role.Patient)).AccountId);
    }

    [Fact]
    public async Task Figure4_doctor_role_is_refused_when_no_hospital_enrolled_the_document()
    {
        await RpcAssert.FailsWith(StatusCode.PermissionDenied, () => Api.RegisterAsync("Dario", Api.NewDocument(), Role.Doctor));
    }

    [Fact]
    public async Task Figure5_and_Table3_case1_doctor_requests_patient_approves_and_the_doctor_is_told()
    {
        var patient = await Api.RegisterPatientAsync("Elena");
        var doctor = await Api.RegisterDoctorAsync("Fabio");
        using var doctorWatch = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var notifications = Api.Permissions.ServerStream<WatchNotificationsRequest, WatchNotificationsResponse>(
            new WatchNotificationsRequest(), doctor.Token, doctorWatch.Token);
        await using var doctorFeed = notifications.ResponseStream.ReadAllAsync(doctorWatch.Token).GetAsyncEnumerator();

        var request = await Api.Permissions.Call<RequestAccessRequest, RequestAccessResponse>(
            new RequestAccessRequest { PatientAccountId = patient.AccountId, Reason = "follow-up" }, doctor.Token);
        var pending = await Api.Permissions.Call<ListPendingRequestsRequest, ListPendingRequestsResponse>(new ListPendingRequestsRequest(), patient.Token);
        Assert.Contains(pending.Requests, r => r.RequestId == request.Request.RequestId && r.DoctorAccountId == doctor.AccountId);

        await Api.Permissions.Call<ApproveAccessRequest, ApproveAccessResponse>(new ApproveAccessRequest { RequestId = request.Request.RequestId }, patient.Token);

        Assert.True(await NextOfType(doctorFeed, NotificationType.Approved));
        var check = await Api.Permissions.Call<HasPermissionRequest, HasPermissionResponse>(
            new HasPermissionRequest { PatientAccountId = patient.AccountId, DoctorAccountId = doctor.AccountId }, doctor.Token);
        Assert.True(check.HasPermission);
    }

    [Fact]
    public async Task Table3_case1_patient_denies_a_request_and_nothing_changes()
    {
        var patient = await Api.RegisterPatientAsync("Gala");
        var doctor = await Api.RegisterDoctorAsync("Hugo");
        var request = await Api.Permissions.Call<RequestAccessRequest, RequestAccessResponse>(
            new RequestAccessRequest { PatientAccountId = patient.AccountId }, doctor.Token);

        await Api.Permissions.Call<DenyAccessRequest, DenyAccessResponse>(new DenyAccessRequest { RequestId = request.Request.RequestId }, patient.Token);

        var check = await Api.Permissions.Call<HasPermissionRequest, HasPermissionResponse>(
            new HasPermissionRequest { PatientAccountId = patient.AccountId, DoctorAccountId = doctor.AccountId }, doctor.Token);
        Assert.False(check.HasPermission);
        await RpcAssert.FailsWith(StatusCode.PermissionDenied, () => CreateRecordAsync(doctor, patient));
    }

    [Fact]
    public async Task Figure6_8_10_11_doctor_writes_an_ehr_with_an_image_both_read_it_and_the_doctor_updates_it()
    {
        var (patient, doctor) = await GrantedPairAsync("Iris", "Jorge");
        var created = await CreateRecordAsync(doctor, patient);

        var image = Bytes.Png(300_000, seed: 7);
        var (_, history) = await AddImageReadAndVerifyAsync(doctor, patient, created, image);
        Assert.True(history.Versions.Count >= 2);
    }

    [Fact]
    public async Task Figure6_and_Table3_case2_revoke_stops_the_doctor_at_once()
    {
        var (patient, doctor) = await GrantedPairAsync("Karla", "Luis");
        var created = await CreateRecordAsync(doctor, patient);

        await RevokeAndExpectOnlyThePatientReadsAsync(patient, doctor, created.RecordId);
    }

    [Fact]
    public async Task Table3_case3_doctor_outside_the_network_opens_a_single_use_share_link_once()
    {
        var (patient, doctor) = await GrantedPairAsync("Mara", "Nico");
        var created = await CreateRecordAsync(doctor, patient);
        var link = await Api.Records.Call<CreateShareLinkRequest, CreateShareLinkResponse>(new CreateShareLinkRequest
        {
            RecordId = created.RecordId, TimeToLive = Duration.FromTimeSpan(TimeSpan.FromMinutes(10)),
        }, patient.Token);

        var opened = await Api.Records.Call<OpenShareLinkRequest, OpenShareLinkResponse>(new OpenShareLinkRequest { Token = link.Token });
        Assert.Equal(SampleDocument(), opened.Record.Document);
        await RpcAssert.FailsWith(StatusCode.FailedPrecondition,
            () => Api.Records.Call<OpenShareLinkRequest, OpenShareLinkResponse>(new OpenShareLinkRequest { Token = link.Token }));
        await RpcAssert.FailsWith(StatusCode.NotFound,
            () => Api.Records.Call<OpenShareLinkRequest, OpenShareLinkResponse>(new OpenShareLinkRequest { Token = new string('A', 43) }));
    }

    private static async Task<bool> NextOfType(IAsyncEnumerator<WatchNotificationsResponse> feed, NotificationType type)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(30) && await feed.MoveNextAsync())
        {
            if (feed.Current.Type == type)
            {
                return true;
            }
        }

        return false;
    }
}

[Collection(InMemoryCollection.Name)]
public sealed class PaperFlowsInMemory(InMemorySystemFixture fixture) : PaperFlowTests(fixture);

[Collection(RabbitMqCollection.Name)]
public sealed class PaperFlowsOnRabbitMq(RabbitMqSystemFixture fixture) : PaperFlowTests(fixture);

[Collection(RealServersCollection.Name)]
public sealed class PaperFlowsOnRealServers(RealServersSystemFixture fixture) : PaperFlowTests(fixture);

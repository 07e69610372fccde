using Google.Protobuf.WellKnownTypes;
using HybridEhr.Contracts.Identity.V1;
using HybridEhr.Contracts.ImageNft.V1;
using HybridEhr.Contracts.Permissions.V1;
using HybridEhr.Contracts.Records.V1;
using Grpc.Core;
using Xunit;

namespace HybridEhr.EndToEnd.Tests;

/// <summary>What the system must refuse, each with the exact status and a message a person understands.</summary>
public abstract class NegativeTests(InMemorySystemFixture fixture) : EndToEndTest(fixture)
{
    [Fact]
    public async Task Doctor_without_a_grant_cannot_read_or_write()
    {
        var (patient, doctor) = await GrantedPairAsync("Olga", "Pablo");
        var created = await CreateRecordAsync(doctor, patient);
        var stranger = await Api.RegisterDoctorAsync("Quim", hospital: Api.HospitalB);

        await RpcAssert.FailsWith(StatusCode.PermissionDenied,
            () => Api.Records.Call<GetRecordRequest, GetRecordResponse>(new GetRecordRequest { RecordId = created.RecordId }, stranger.Token));
        await RpcAssert.FailsWith(StatusCode.PermissionDenied, () => CreateRecordAsync(stranger, patient));
    }

    [Fact]
    public async Task Grant_stops_working_when_it_expires()
    {
        var (patient, doctor) = await GrantedPairAsync("Rosa", "Saul", expiresIn: TimeSpan.FromSeconds(4));
        var created = await CreateRecordAsync(doctor, patient);
        await Api.Records.Call<GetRecordRequest, GetRecordResponse>(new GetRecordRequest { RecordId = created.RecordId }, doctor.Token);

        await Task.Delay(TimeSpan.FromSeconds(5));

        await RpcAssert.FailsWith(StatusCode.PermissionDenied,
            () => Api.Records.Call<GetRecordRequest, GetRecordResponse>(new GetRecordRequest { RecordId = created.RecordId }, doctor.Token));
    }

    [Fact]
    public async Task Patients_never_write_records()
    {
        var patient = await Api.RegisterPatientAsync("Tina");
        await RpcAssert.FailsWith(StatusCode.PermissionDenied, () => CreateRecordAsync(patient, patient));
    }

    [Fact]
    public async Task A_patient_cannot_read_or_share_another_patients_record()
    {
        var (patient, doctor) = await GrantedPairAsync("Ursula", "Vito");
        var created = await CreateRecordAsync(doctor, patient);
        var other = await Api.RegisterPatientAsync("Wanda");

        await RpcAssert.FailsWith(StatusCode.PermissionDenied,
            () => Api.Records.Call<GetRecordRequest, GetRecordResponse>(new GetRecordRequest { RecordId = created.RecordId }, other.Token));
        await RpcAssert.FailsWith(StatusCode.PermissionDenied,
            () => Api.Records.Call<CreateShareLinkRequest, CreateShareLinkResponse>(
                new CreateShareLinkRequest { RecordId = created.RecordId, TimeToLive = Duration.FromTimeSpan(TimeSpan.FromMinutes(5)) }, other.Token));
        await RpcAssert.FailsWith(StatusCode.PermissionDenied,
            () => Api.Permissions.Call<GrantPermissionRequest, GrantPermissionResponse>(new GrantPermissionRequest { DoctorAccountId = other.AccountId }, doctor.Token));
    }

    [Fact]
    public async Task Missing_forged_or_foreign_tokens_are_unauthenticated()
    {
        var patient = await Api.RegisterPatientAsync("Xenia");
        var parts = patient.Token.Split('.');
        var forgedPayload = parts[0] + "." + parts[1].Replace(parts[1][^4..], "AAAA", StringComparison.Ordinal) + "." + parts[2];
        var forgedSignature = parts[0] + "." + parts[1] + "." + new string('A', parts[2].Length);

        foreach (var token in new string?[] { null, "not-a-token", forgedPayload, forgedSignature, ForeignToken() })
        {
            await RpcAssert.FailsWith(StatusCode.Unauthenticated,
                () => Api.Identity.Call<GetMyRoleRequest, GetMyRoleResponse>(new GetMyRoleRequest(), token));
            await RpcAssert.FailsWith(StatusCode.Unauthenticated,
                () => Api.Records.Call<ListRecordsRequest, ListRecordsResponse>(new ListRecordsRequest { PatientAccountId = patient.AccountId }, token));
        }

        await RpcAssert.FailsWith(StatusCode.Unauthenticated,
            () => Api.LoginAsync("Xenia", patient.DocumentNumber, Contracts.Common.V1.Role.Patient, "wrong password!"));
    }

    [Fact]
    public async Task Malformed_requests_are_invalid_arguments()
    {
        await RpcAssert.FailsWith(StatusCode.InvalidArgument, () => Api.Identity.Call<RegisterRequest, RegisterResponse>(new RegisterRequest
        {
            IdentityDocumentNumber = Api.NewDocument(), FirstName = "Yago", LastName = "T", Email = "not an e-mail", Password = "long enough password",
            RequestedRole = Contracts.Common.V1.Role.Patient,
        }));
        var (patient, doctor) = await GrantedPairAsync("Zoe", "Abel");
        await RpcAssert.FailsWith(StatusCode.InvalidArgument,
            () => Api.Permissions.Call<GrantPermissionRequest, GrantPermissionResponse>(new GrantPermissionRequest { DoctorAccountId = "0xnothex" }, patient.Token));
        await RpcAssert.FailsWith(StatusCode.InvalidArgument,
            () => Api.Records.Call<CreateRecordRequest, CreateRecordResponse>(new CreateRecordRequest { PatientAccountId = "", Document = SampleDocument() }, doctor.Token));
        await RpcAssert.FailsWith(StatusCode.InvalidArgument,
            () => Api.Records.Call<GetRecordRequest, GetRecordResponse>(new GetRecordRequest { RecordId = "" }, patient.Token));
    }

    [Fact]
    public async Task Upload_that_is_not_the_declared_image_is_refused()
    {
        var (patient, doctor) = await GrantedPairAsync("Bea", "Ciro");
        var created = await CreateRecordAsync(doctor, patient);

        // Bytes that are not a PNG, declared as one.
        var notAnImage = new byte[4096];
        await RpcAssert.FailsWith(StatusCode.InvalidArgument, () => UploadAsync(doctor, patient, created.RecordId, notAnImage));
    }

    [Fact]
    public async Task Oversized_upload_is_refused()
    {
        var (patient, doctor) = await GrantedPairAsync("Dina", "Eloy");
        var created = await CreateRecordAsync(doctor, patient);
        var tooLarge = Bytes.Png(SystemLimits.MaxImageBytes + 1);

        var error = await RpcAssert.FailsWith(StatusCode.ResourceExhausted, () => UploadAsync(doctor, patient, created.RecordId, tooLarge));
        Assert.Contains("at most", error.Status.Detail, StringComparison.Ordinal);
    }

    /// <summary>A well-formed ES256 token signed by a key this system never issued.</summary>
    private static string ForeignToken()
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var now = DateTimeOffset.UtcNow;
        return HybridEhr.Security.AccessTokens.Issue(key, "foreign-key", new HybridEhr.Security.AccessTokenClaims(
            "0x" + new string('a', 64), "doctor", "HospitalAMSP", now, now.AddMinutes(5), "x"));
    }
}

/// <summary>Limits the end-to-end systems run with, small enough to test their edges quickly.</summary>
public static class SystemLimits
{
    public const int MaxImageBytes = 2 * 1024 * 1024;
}

[Collection(InMemoryCollection.Name)]
public sealed class NegativesInMemory(InMemorySystemFixture fixture) : NegativeTests(fixture);

[Collection(RabbitMqCollection.Name)]
public sealed class NegativesOnRabbitMq(RabbitMqSystemFixture fixture) : NegativeTests(fixture);

[Collection(RealServersCollection.Name)]
public sealed class NegativesOnRealServers(RealServersSystemFixture fixture) : NegativeTests(fixture);

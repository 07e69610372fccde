using System.Security.Cryptography;
using Google.Protobuf;
using HybridEhr.Contracts.Common.V1;
using HybridEhr.Contracts.Events;
using HybridEhr.Contracts.FabricGateway.V1;
using HybridEhr.Contracts.Identity.V1;
using HybridEhr.Contracts.ImageNft.V1;
using HybridEhr.Contracts.Permissions.V1;
using HybridEhr.Contracts.Records.V1;
using Grpc.Core;
using Xunit;

namespace HybridEhr.EndToEnd.Tests;

/// <summary>
/// The opt-in suite's settings, from the environment (docs/fabric.md §5 says which file of fabric-samples' test-network
/// goes where). FABRIC_TEST_PEER turns it on; then every other variable below is required, and a missing one FAILS the
/// suite, naming it: it is never skipped once the peer is set.
/// </summary>
public static class FabricTestNetwork
{
    public const string PeerVariable = "FABRIC_TEST_PEER";

    /// <summary>The gateway's own identity, channel and chaincode (the same variables as the Fabric client's opt-in suite).</summary>
    private static readonly string[] GatewayVariables =
        ["FABRIC_TEST_MSP_ID", "FABRIC_TEST_CHANNEL", "FABRIC_TEST_CHAINCODE"];

    private static readonly string[] FileVariables = ["FABRIC_TEST_CERT", "FABRIC_TEST_KEY"];

    public static bool IsConfigured => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PeerVariable));

    public static string SkipReason =>
        $"{PeerVariable} is not set: no Fabric network to run the services' scenarios on (docs/fabric.md §5 tells how to point the suite at one).";

    /// <summary>The two hospitals: FABRIC_TEST_HOSPITAL_A_MSP_ID and FABRIC_TEST_HOSPITAL_B_MSP_ID.</summary>
    public static (string A, string B) Hospitals => (Value("FABRIC_TEST_HOSPITAL_A_MSP_ID"), Value("FABRIC_TEST_HOSPITAL_B_MSP_ID"));

    /// <summary>
    /// FabricGateway's configuration for Fabric mode, as environment variables of its process: the peer, the gateway
    /// identity, and both hospitals' CAs (so the gateway issues every doctor and administrator an identity).
    /// </summary>
    public static Dictionary<string, string> GatewayEnvironment()
    {
        var problems = new List<string>();
        var peer = Value(PeerVariable);
        foreach (var name in GatewayVariables)
        {
            Require(name, problems);
        }

        foreach (var name in FileVariables)
        {
            RequireFile(name, problems);
        }

        if (peer.StartsWith("https:", StringComparison.OrdinalIgnoreCase))
        {
            RequireFile("FABRIC_TEST_TLS_CA", problems);
        }

        foreach (var hospital in new[] { "A", "B" })
        {
            Require($"FABRIC_TEST_HOSPITAL_{hospital}_MSP_ID", problems);
            RequireFile($"FABRIC_TEST_HOSPITAL_{hospital}_CA_CERT", problems);
            RequireFile($"FABRIC_TEST_HOSPITAL_{hospital}_CA_KEY", problems);
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException(
                $"{PeerVariable} is set, so the Fabric end-to-end suite runs, but its settings are incomplete: {string.Join(" ", problems)} (docs/fabric.md §5).");
        }

        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["FabricGateway__Mode"] = "Fabric",
            ["FabricGateway__Fabric__PeerEndpoint"] = peer,
            ["FabricGateway__Fabric__MspId"] = Value("FABRIC_TEST_MSP_ID"),
            ["FabricGateway__Fabric__CertPath"] = Value("FABRIC_TEST_CERT"),
            ["FabricGateway__Fabric__KeyPath"] = Value("FABRIC_TEST_KEY"),
            ["FabricGateway__Fabric__Channel"] = Value("FABRIC_TEST_CHANNEL"),
            ["FabricGateway__Fabric__Chaincode"] = Value("FABRIC_TEST_CHAINCODE"),
            // A fresh wallet key per run: the wallet lives in the run's temporary data directory.
            ["FabricGateway__MasterKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        };
        if (Environment.GetEnvironmentVariable("FABRIC_TEST_TLS_CA") is { Length: > 0 } tlsCa)
        {
            environment["FabricGateway__Fabric__TlsCaCertPath"] = tlsCa;
        }

        if (Environment.GetEnvironmentVariable("FABRIC_TEST_TLS_SERVER_NAME") is { Length: > 0 } serverName)
        {
            environment["FabricGateway__Fabric__TlsServerName"] = serverName;
        }

        foreach (var (hospital, index) in new[] { ("A", 0), ("B", 1) })
        {
            environment[$"FabricGateway__Fabric__CertificateAuthorities__{index}__MspId"] = Value($"FABRIC_TEST_HOSPITAL_{hospital}_MSP_ID");
            environment[$"FabricGateway__Fabric__CertificateAuthorities__{index}__CertPath"] = Value($"FABRIC_TEST_HOSPITAL_{hospital}_CA_CERT");
            environment[$"FabricGateway__Fabric__CertificateAuthorities__{index}__KeyPath"] = Value($"FABRIC_TEST_HOSPITAL_{hospital}_CA_KEY");
        }

        return environment;
    }

    private static string Value(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : throw new InvalidOperationException($"{name} is not set (docs/fabric.md §5).");

    private static void Require(string name, List<string> problems)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name)))
        {
            problems.Add($"{name} is not set.");
        }
    }

    private static void RequireFile(string name, List<string> problems)
    {
        var path = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrEmpty(path))
        {
            problems.Add($"{name} is not set.");
        }
        else if (!File.Exists(path))
        {
            problems.Add($"{name} '{path}' does not exist.");
        }
    }
}

/// <summary>Runs only when FABRIC_TEST_PEER is set; otherwise skipped with the reason.</summary>
public sealed class FabricNetworkFactAttribute : FactAttribute
{
    public FabricNetworkFactAttribute()
    {
        if (!FabricTestNetwork.IsConfigured)
        {
            Skip = FabricTestNetwork.SkipReason;
        }
    }
}

/// <summary>
/// The whole system with FabricGateway in Fabric mode against a real network: the devnet still carries the permission
/// chain; the records chain is the Fabric channel. Events go over RabbitMQ when HYBRIDEHR_TEST_RABBITMQ is set (./test.sh
/// sets it), so an outside subscriber can see the chain's facts; otherwise in memory.
/// </summary>
public sealed class FabricSystemFixture : InMemorySystemFixture
{
    public override string Transport => "Fabric";

    public override (string A, string B) Hospitals => FabricTestNetwork.Hospitals;

    public static string? RabbitMq => System.Environment.GetEnvironmentVariable("HYBRIDEHR_TEST_RABBITMQ") is { Length: > 0 } value ? value : null;

    protected override bool Enabled => FabricTestNetwork.IsConfigured;

    protected override IReadOnlyDictionary<string, string> Environment()
    {
        var environment = FabricTestNetwork.GatewayEnvironment();
        if (RabbitMq is { } rabbit)
        {
            environment["ConnectionStrings__rabbitmq"] = rabbit;
        }

        return environment;
    }
}

[CollectionDefinition(Name)]
public sealed class FabricCollection : ICollectionFixture<FabricSystemFixture>
{
    public const string Name = "fabric network system";
}

/// <summary>
/// The services' scenarios that involve the records chain, on a real Fabric network: a hospital enrols a doctor and the
/// gateway issues the doctor a certificate of that hospital's CA at registration; the doctor writes, updates and reads
/// an EHR and mints an image NFT, each signed with the doctor's own Fabric identity; the chain's author and minted_by
/// are the doctor's account (the certificate's account_id); the chain's events reach an outside subscriber.
/// </summary>
[Collection(FabricCollection.Name)]
public sealed class FabricNetworkTests(FabricSystemFixture fixture) : EndToEndTest(fixture)
{
    [FabricNetworkFact]
    public async Task Doctors_of_both_hospitals_register_with_their_hospital_and_patients_as_patients()
    {
        var patient = await Api.RegisterPatientAsync("Ana");
        var doctorA = await Api.RegisterDoctorAsync("Bruno", hospital: Api.HospitalA);
        var doctorB = await Api.RegisterDoctorAsync("Berta", hospital: Api.HospitalB);

        foreach (var (doctor, hospital) in new[] { (doctorA, Api.HospitalA), (doctorB, Api.HospitalB) })
        {
            var account = await Api.Identity.Call<GetAccountRequest, GetAccountResponse>(new GetAccountRequest(), doctor.Token);
            Assert.Equal(hospital, account.OrganisationMspId);
            var role = await Api.Identity.Call<GetRoleRequest, GetRoleResponse>(new GetRoleRequest { AccountId = doctor.AccountId }, patient.Token);
            Assert.Equal(Role.Doctor, role.Role);
        }
    }

    [FabricNetworkFact]
    public async Task A_document_no_hospital_enrolled_cannot_register_as_a_doctor()
    {
        await RpcAssert.FailsWith(StatusCode.PermissionDenied, () => Api.RegisterAsync("Dario", Api.NewDocument(), Role.Doctor));
    }

    [FabricNetworkFact]
    public async Task A_doctor_writes_an_ehr_with_an_image_updates_it_and_the_chain_names_the_doctor()
    {
        var (patient, doctor) = await GrantedPairAsync("Iris", "Jorge");
        var created = await CreateRecordAsync(doctor, patient);

        var image = Bytes.Png(200_000, seed: 11);
        var (upload, history) = await AddImageReadAndVerifyAsync(doctor, patient, created, image);
        Assert.Equal(doctor.AccountId, upload.Token.MintedByAccountId);
        Assert.Equal(patient.AccountId, upload.Token.OwnerAccountId);
        Assert.Equal(Api.HospitalA, upload.Token.OrganisationMspId);
        Assert.True(history.Versions.Count >= 2);
        Assert.All(history.Versions, version =>
        {
            Assert.Equal(doctor.AccountId, version.AuthorAccountId);
            Assert.Equal(Api.HospitalA, version.OrganisationMspId);
        });
        var token = await Api.Images.Call<GetTokenRequest, GetTokenResponse>(new GetTokenRequest { TokenId = upload.TokenId }, patient.Token);
        Assert.Equal(doctor.AccountId, token.Token.MintedByAccountId);
    }

    [FabricNetworkFact]
    public async Task A_doctor_of_the_second_hospital_writes_under_that_hospital()
    {
        var patient = await Api.RegisterPatientAsync("Lena");
        var doctor = await Api.RegisterDoctorAsync("Marco", hospital: Api.HospitalB);
        await Api.Permissions.Call<GrantPermissionRequest, GrantPermissionResponse>(new GrantPermissionRequest { DoctorAccountId = doctor.AccountId }, patient.Token);

        var created = await CreateRecordAsync(doctor, patient);

        var history = await Api.Records.Call<GetRecordHistoryRequest, GetRecordHistoryResponse>(new GetRecordHistoryRequest { RecordId = created.RecordId }, doctor.Token);
        var version = Assert.Single(history.Versions);
        Assert.Equal((doctor.AccountId, Api.HospitalB), (version.AuthorAccountId, version.OrganisationMspId));
    }

    [FabricNetworkFact]
    public async Task Without_permission_or_after_a_revoke_the_doctor_is_refused()
    {
        var patient = await Api.RegisterPatientAsync("Gala");
        var stranger = await Api.RegisterDoctorAsync("Hugo");
        await RpcAssert.FailsWith(StatusCode.PermissionDenied, () => CreateRecordAsync(stranger, patient));

        var (owner, doctor) = await GrantedPairAsync("Karla", "Luis");
        var created = await CreateRecordAsync(doctor, owner);
        await RevokeAndExpectOnlyThePatientReadsAsync(owner, doctor, created.RecordId);
    }

    /// <summary>Patients have no Fabric identity: the gateway refuses to sign a records-chain write for them, saying why.</summary>
    [FabricNetworkFact]
    public async Task A_patient_cannot_sign_a_records_chain_write()
    {
        var patient = await Api.RegisterPatientAsync("Nora");
        var request = new SubmitRequest { Function = "create_record" };
        // Valid JSON (serialised, not concatenated), so the chaincode refuses the signer, not the argument.
        request.Args.Add(ByteString.CopyFromUtf8(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["record_id"] = "ehr-x",
            ["patient"] = "0x" + new string('a', 64),
            ["plaintext_hash"] = new string('b', 64),
            ["ciphertext_hash"] = new string('c', 64),
        })));

        var error = await RpcAssert.FailsWith(StatusCode.FailedPrecondition,
            () => Api.FabricGateway.Call<SubmitRequest, SubmitResponse>(request, patient.Token));

        Assert.Contains("has no Fabric identity", error.Status.Detail, StringComparison.Ordinal);
    }

    /// <summary>The relay follows the Fabric channel's chaincode events and publishes them; needs RabbitMQ to be seen outside.</summary>
    [FabricNetworkFact]
    public async Task The_chains_facts_reach_an_outside_subscriber()
    {
        var rabbit = FabricSystemFixture.RabbitMq
            ?? throw new InvalidOperationException("HYBRIDEHR_TEST_RABBITMQ is not set: run the Fabric suite through ./test.sh, or give it a RabbitMQ (docs/fabric.md §5).");
        await using var observer = await EventObserver.StartAsync(rabbit);

        var (patient, doctor) = await GrantedPairAsync("Omar", "Pia");
        var created = await CreateRecordAsync(doctor, patient);
        var upload = await UploadAsync(doctor, patient, created.RecordId, Bytes.Png(50_000, seed: 3));
        var document = SampleDocument();
        document.Images.Add(new ImageReference { TokenId = upload.TokenId, ContentHash = upload.ContentHash, Modality = "XR" });
        await Api.Records.Call<UpdateRecordRequest, UpdateRecordResponse>(new UpdateRecordRequest
        {
            RecordId = created.RecordId, ExpectedVersion = created.Version.Version, Document = document, ChangeReason = "image",
        }, doctor.Token);

        await observer.WaitForAsync<RecordCreated>(e => e.RecordId == created.RecordId && e.AuthorAccountId == doctor.AccountId
            && e.OrganisationMspId == Api.HospitalA && e.BlockNumber > 0);
        // Only the relay publishes ImageMinted (Records publishes its own RecordCreated/RecordUpdated too): this one
        // proves that the relay follows the Fabric channel.
        await observer.WaitForAsync<ImageMinted>(e => e.TokenId == upload.TokenId && e.OwnerAccountId == patient.AccountId);
        await observer.WaitForAsync<RecordUpdated>(e => e.RecordId == created.RecordId && e.Version == 2 && e.AuthorAccountId == doctor.AccountId);
    }
}

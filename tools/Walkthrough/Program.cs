using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using HybridEhr.Contracts.Common.V1;
using HybridEhr.Contracts.FabricGateway.V1;
using HybridEhr.Contracts.Identity.V1;
using HybridEhr.Contracts.ImageNft.V1;
using HybridEhr.Contracts.Permissions.V1;
using HybridEhr.Contracts.Records.V1;
using HybridEhr.Grpc;
using HybridEhr.Grpc.Client;

// Walks through the paper's scenario against a running system (start it with `dotnet run -c Release --project AppHost`):
// a hospital enrols a doctor; a patient and the doctor register; the doctor asks for access and the patient
// approves; the doctor writes an EHR with an X-ray; both read it; the patient revokes and the doctor is refused;
// the patient shares the EHR once with a doctor outside the network. Every step prints what it sent and got.
// Options: --host 127.0.0.1 (services on their default ports 5101-5105), --admin-key KEY (the AppHost prints it).
var host = Option("--host") ?? "127.0.0.1";
var adminKey = Option("--admin-key") ?? "hybridehr-development-admin-key";
ServiceClient Client(int port, Google.Protobuf.Reflection.ServiceDescriptor service) => new(GrpcChannel.ForAddress($"http://{host}:{port}"), service);
var identity = Client(5101, IdentityReflection.Descriptor.Services[0]);
var permissions = Client(5102, PermissionsReflection.Descriptor.Services[0]);
var records = Client(5103, RecordsReflection.Descriptor.Services[0]);
var images = Client(5104, ImageNftReflection.Descriptor.Services[0]);
var gateway = GrpcChannel.ForAddress($"http://{host}:5105");

var run = Random.Shared.Next(100_000, 999_999);
string patientDocument = $"P{run}", doctorDocument = $"M{run}";
const string Password = "walkthrough-password";

Step("1. Hospital A enrols a doctor's identity document on the private chain (hospital administration)");
var enrolled = await gateway.Unary(Method<EnrollDoctorRequest, EnrollDoctorResponse>.Create(FabricGatewayReflection.Descriptor.Services[0], "EnrollDoctor"),
    new EnrollDoctorRequest { OrganisationMspId = "HospitalAMSP", IdentityDocumentNumber = doctorDocument },
    new CallOptions { Headers = new Metadata().Add("x-admin-key", adminKey) });
Show($"document {doctorDocument} enrolled, tx {enrolled.TxId[..16]}…");

Step("2. A patient and the doctor register (Figure 4); each gets a chain account and a role");
var patient = await RegisterAsync("Ana", patientDocument, Role.Patient);
var doctor = await RegisterAsync("Bruno", doctorDocument, Role.Doctor);

Step("3. The doctor asks to see the patient's EHR; the patient sees the request and approves it (Figure 5, Table 3 case 1)");
var request = await permissions.Call<RequestAccessRequest, RequestAccessResponse>(new RequestAccessRequest { PatientAccountId = patient.Account, Reason = "first visit" }, doctor.Token);
var pending = await permissions.Call<ListPendingRequestsRequest, ListPendingRequestsResponse>(new ListPendingRequestsRequest(), patient.Token);
Show($"pending requests for the patient: {pending.Requests.Count}");
await permissions.Call<ApproveAccessRequest, ApproveAccessResponse>(new ApproveAccessRequest { RequestId = request.Request.RequestId }, patient.Token);
Show("approved");

Step("4. The doctor writes an EHR, uploads an X-ray (minted as a soulbound NFT) and links it (Figures 6 and 11)");
var document = new EhrDocument
{
    Title = "Emergency visit",
    Diagnoses = { new Diagnosis { Code = new Coding { System = CodeSystem.Icd10Cm, Code = "S52.5", Display = "Fracture of lower end of radius" } } },
    Notes = { new ClinicalNote { NoteId = "n1", Text = "Fell on outstretched hand." } },
};
var created = await records.Call<CreateRecordRequest, CreateRecordResponse>(new CreateRecordRequest { PatientAccountId = patient.Account, Document = document }, doctor.Token);
Show($"record {created.RecordId} version {created.Version.Version}, content hash {created.Version.ContentHash[..16]}…");
var xray = new byte[200_000];
Random.Shared.NextBytes(xray);
new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(xray, 0);
using (var upload = images.ClientStream<UploadImageRequest, UploadImageResponse>(doctor.Token))
{
    await upload.RequestStream.WriteAsync(new UploadImageRequest { Metadata = new ImageUploadMetadata
    {
        PatientAccountId = patient.Account, RecordId = created.RecordId, ContentType = "image/png", FileName = "wrist.png", DeclaredSizeBytes = xray.Length,
    } });
    await upload.RequestStream.WriteAsync(new UploadImageRequest { Chunk = ByteString.CopyFrom(xray) });
    await upload.RequestStream.CompleteAsync();
    var minted = await upload;
    Show($"image token {minted.TokenId}, ipfs CID {minted.Cid}");
    document.Images.Add(new ImageReference { TokenId = minted.TokenId, ContentHash = minted.ContentHash, Modality = "XR" });
}

var updated = await records.Call<UpdateRecordRequest, UpdateRecordResponse>(new UpdateRecordRequest
{
    RecordId = created.RecordId, ExpectedVersion = created.Version.Version, Document = document, ChangeReason = "X-ray added",
}, doctor.Token);
Show($"record now at version {updated.Version.Version}");

Step("5. Doctor and patient read the EHR; every read is checked against the chain anchor (Figures 8 and 10)");
foreach (var (who, token) in new[] { ("doctor", doctor.Token), ("patient", patient.Token) })
{
    var read = await records.Call<GetRecordRequest, GetRecordResponse>(new GetRecordRequest { RecordId = created.RecordId }, token);
    Show($"{who} read \"{read.Record.Document.Title}\" with {read.Record.Document.Images.Count} image(s)");
}

var verdict = await records.Call<VerifyRecordRequest, VerifyRecordResponse>(new VerifyRecordRequest { RecordId = created.RecordId }, patient.Token);
Show($"integrity verdict: {verdict.Verdict}");

Step("6. The patient revokes the doctor's permission; the doctor's next read is refused (Figure 6, Table 3 case 2)");
await permissions.Call<RevokePermissionRequest, RevokePermissionResponse>(new RevokePermissionRequest { DoctorAccountId = doctor.Account }, patient.Token);
try
{
    await records.Call<GetRecordRequest, GetRecordResponse>(new GetRecordRequest { RecordId = created.RecordId }, doctor.Token);
    Show("UNEXPECTED: the doctor could still read");
    return 1;
}
catch (RpcException refused)
{
    Show($"refused as expected: {refused.StatusCode}: {refused.Status.Detail}");
}

Step("7. The patient shares the EHR once with a doctor outside the network (Table 3 case 3)");
var link = await records.Call<CreateShareLinkRequest, CreateShareLinkResponse>(
    new CreateShareLinkRequest { RecordId = created.RecordId, TimeToLive = Duration.FromTimeSpan(TimeSpan.FromMinutes(15)) }, patient.Token);
var opened = await records.Call<OpenShareLinkRequest, OpenShareLinkResponse>(new OpenShareLinkRequest { Token = link.Token });
Show($"outside doctor opened \"{opened.Record.Document.Title}\" without an account; the link expires {link.ExpiresAt.ToDateTimeOffset():u}");
try
{
    await records.Call<OpenShareLinkRequest, OpenShareLinkResponse>(new OpenShareLinkRequest { Token = link.Token });
}
catch (RpcException used)
{
    Show($"second opening refused: {used.StatusCode}: {used.Status.Detail}");
}

Console.WriteLine("\nDone: every step above went through the public gRPC APIs.");
return 0;

async Task<(string Account, string Token)> RegisterAsync(string name, string documentNumber, Role role)
{
    var registered = await identity.Call<RegisterRequest, RegisterResponse>(new RegisterRequest
    {
        IdentityDocumentNumber = documentNumber, FirstName = name, LastName = "Walkthrough", Email = $"{name.ToLowerInvariant()}@example.org",
        Password = Password, RequestedRole = role,
    });
    var login = await identity.Call<LoginRequest, LoginResponse>(new LoginRequest
    {
        DocumentAndRole = new DocumentAndRole { IdentityDocumentNumber = documentNumber, Role = role }, Password = Password,
    });
    Show($"{name}: {registered.Role}, account {registered.AccountId[..18]}…{(registered.OrganisationMspId.Length > 0 ? ", " + registered.OrganisationMspId : "")}");
    return (login.AccountId, login.AccessToken);
}

string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

static void Step(string text) => Console.WriteLine($"\n== {text}");

static void Show(string text) => Console.WriteLine($"   {text}");

using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using HybridEhr.Contracts.Common.V1;
using HybridEhr.Contracts.FabricGateway.V1;
using HybridEhr.Contracts.Identity.V1;
using HybridEhr.Contracts.ImageNft.V1;
using HybridEhr.Contracts.Permissions.V1;
using HybridEhr.Contracts.Records.V1;
using Grpc.Core;
using Grpc.Net.Client;

// Walks through the paper's scenario against a running system (start it with `dotnet run -c Release --project AppHost`):
// a hospital enrols a doctor; a patient and the doctor register; the doctor asks for access and the patient
// approves; the doctor writes an EHR with an X-ray; both read it; the patient revokes and the doctor is refused;
// the patient shares the EHR once with a doctor outside the network. Every step prints what it sent and got.
// Options: --host 127.0.0.1 (services on their default ports 5101-5105), --admin-key KEY (the AppHost prints it).
var host = Option("--host") ?? "127.0.0.1";
var adminKey = Option("--admin-key") ?? "hybridehr-development-admin-key";
GrpcChannel Channel(int port) => GrpcChannel.ForAddress($"http://{host}:{port}");
var identity = new Identity.IdentityClient(Channel(5101));
var permissions = new Permissions.PermissionsClient(Channel(5102));
var records = new Records.RecordsClient(Channel(5103));
var images = new ImageNft.ImageNftClient(Channel(5104));
var gateway = new FabricGateway.FabricGatewayClient(Channel(5105));

var run = Random.Shared.Next(100_000, 999_999);
string patientDocument = $"P{run}", doctorDocument = $"M{run}";
const string Password = "walkthrough-password";

Step("1. Hospital A enrols a doctor's identity document on the private chain (hospital administration)");
var enrolled = await gateway.EnrollDoctorAsync(
    new EnrollDoctorRequest { OrganisationMspId = "HospitalAMSP", IdentityDocumentNumber = doctorDocument },
    new CallOptions(headers: new Metadata { { "x-admin-key", adminKey } }, deadline: DateTime.UtcNow.AddSeconds(30)));
Show($"document {doctorDocument} enrolled, tx {enrolled.TxId[..16]}…");

Step("2. A patient and the doctor register (Figure 4); each gets a chain account and a role");
var patient = await RegisterAsync("Ana", patientDocument, Role.Patient);
var doctor = await RegisterAsync("Bruno", doctorDocument, Role.Doctor);

Step("3. The doctor asks to see the patient's EHR; the patient sees the request and approves it (Figure 5, Table 3 case 1)");
var request = await permissions.RequestAccessAsync(new RequestAccessRequest { PatientAccountId = patient.Account, Reason = "first visit" }, Auth(doctor.Token));
var pending = await permissions.ListPendingRequestsAsync(new ListPendingRequestsRequest(), Auth(patient.Token));
Show($"pending requests for the patient: {pending.Requests.Count}");
await permissions.ApproveAccessAsync(new ApproveAccessRequest { RequestId = request.Request.RequestId }, Auth(patient.Token));
Show("approved");

Step("4. The doctor writes an EHR, uploads an X-ray (minted as a soulbound NFT) and links it (Figures 6 and 11)");
var document = new EhrDocument
{
    Title = "Emergency visit",
    Diagnoses = { new Diagnosis { Code = new Coding { System = CodeSystem.Icd10Cm, Code = "S52.5", Display = "Fracture of lower end of radius" } } },
    Notes = { new ClinicalNote { NoteId = "n1", Text = "Fell on outstretched hand." } },
};
var created = await records.CreateRecordAsync(new CreateRecordRequest { PatientAccountId = patient.Account, Document = document }, Auth(doctor.Token));
Show($"record {created.RecordId} version {created.Version.Version}, content hash {created.Version.ContentHash[..16]}…");
var xray = new byte[200_000];
Random.Shared.NextBytes(xray);
new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(xray, 0);
using (var upload = images.UploadImage(Auth(doctor.Token)))
{
    await upload.RequestStream.WriteAsync(new UploadImageRequest { Metadata = new ImageUploadMetadata
    {
        PatientAccountId = patient.Account, RecordId = created.RecordId, ContentType = "image/png", FileName = "wrist.png", DeclaredSizeBytes = xray.Length,
    } });
    await upload.RequestStream.WriteAsync(new UploadImageRequest { Chunk = ByteString.CopyFrom(xray) });
    await upload.RequestStream.CompleteAsync();
    var minted = await upload.ResponseAsync;
    Show($"image token {minted.TokenId}, ipfs CID {minted.Cid}");
    document.Images.Add(new ImageReference { TokenId = minted.TokenId, ContentHash = minted.ContentHash, Modality = "XR" });
}

var updated = await records.UpdateRecordAsync(new UpdateRecordRequest
{
    RecordId = created.RecordId, ExpectedVersion = created.Version.Version, Document = document, ChangeReason = "X-ray added",
}, Auth(doctor.Token));
Show($"record now at version {updated.Version.Version}");

Step("5. Doctor and patient read the EHR; every read is checked against the chain anchor (Figures 8 and 10)");
foreach (var (who, token) in new[] { ("doctor", doctor.Token), ("patient", patient.Token) })
{
    var read = await records.GetRecordAsync(new GetRecordRequest { RecordId = created.RecordId }, Auth(token));
    Show($"{who} read \"{read.Record.Document.Title}\" with {read.Record.Document.Images.Count} image(s)");
}

var verdict = await records.VerifyRecordAsync(new VerifyRecordRequest { RecordId = created.RecordId }, Auth(patient.Token));
Show($"integrity verdict: {verdict.Verdict}");

Step("6. The patient revokes the doctor's permission; the doctor's next read is refused (Figure 6, Table 3 case 2)");
await permissions.RevokePermissionAsync(new RevokePermissionRequest { DoctorAccountId = doctor.Account }, Auth(patient.Token));
try
{
    await records.GetRecordAsync(new GetRecordRequest { RecordId = created.RecordId }, Auth(doctor.Token));
    Show("UNEXPECTED: the doctor could still read");
    return 1;
}
catch (RpcException refused)
{
    Show($"refused as expected: {refused.StatusCode}: {refused.Status.Detail}");
}

Step("7. The patient shares the EHR once with a doctor outside the network (Table 3 case 3)");
var link = await records.CreateShareLinkAsync(
    new CreateShareLinkRequest { RecordId = created.RecordId, TimeToLive = Duration.FromTimeSpan(TimeSpan.FromMinutes(15)) }, Auth(patient.Token));
var opened = await records.OpenShareLinkAsync(new OpenShareLinkRequest { Token = link.Token }, Anonymous());
Show($"outside doctor opened \"{opened.Record.Document.Title}\" without an account; the link expires {link.ExpiresAt.ToDateTimeOffset():u}");
try
{
    await records.OpenShareLinkAsync(new OpenShareLinkRequest { Token = link.Token }, Anonymous());
}
catch (RpcException used)
{
    Show($"second opening refused: {used.StatusCode}: {used.Status.Detail}");
}

Console.WriteLine("\nDone: every step above went through the public gRPC APIs.");
return 0;

async Task<(string Account, string Token)> RegisterAsync(string name, string documentNumber, Role role)
{
    var registered = await identity.RegisterAsync(new RegisterRequest
    {
        IdentityDocumentNumber = documentNumber, FirstName = name, LastName = "Walkthrough", Email = $"{name.ToLowerInvariant()}@example.org",
        Password = Password, RequestedRole = role,
    }, Anonymous());
    var login = await identity.LoginAsync(new LoginRequest
    {
        DocumentAndRole = new DocumentAndRole { IdentityDocumentNumber = documentNumber, Role = role }, Password = Password,
    }, Anonymous());
    Show($"{name}: {registered.Role}, account {registered.AccountId[..18]}…{(registered.OrganisationMspId.Length > 0 ? ", " + registered.OrganisationMspId : "")}");
    return (login.AccountId, login.AccessToken);
}

// Every call has a deadline; calls after login carry the bearer token.
static CallOptions Auth(string token) =>
    new(headers: new Metadata { { "authorization", "Bearer " + token } }, deadline: DateTime.UtcNow.AddSeconds(30));

static CallOptions Anonymous() => new(deadline: DateTime.UtcNow.AddSeconds(30));

string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

static void Step(string text) => Console.WriteLine($"\n== {text}");

static void Show(string text) => Console.WriteLine($"   {text}");

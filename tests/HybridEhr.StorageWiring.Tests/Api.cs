using System.Globalization;
using Google.Protobuf;
using HybridEhr.Contracts.Common.V1;
using HybridEhr.Contracts.FabricGateway.V1;
using HybridEhr.Contracts.Identity.V1;
using HybridEhr.Contracts.ImageNft.V1;
using HybridEhr.Contracts.Permissions.V1;
using HybridEhr.Contracts.Records.V1;
using Grpc.Core;
using HybridEhr.Testing;
using Grpc.Net.Client;

namespace HybridEhr.StorageWiring.Tests;

/// <summary>A person signed in.</summary>
public sealed record Actor(string AccountId, string Token);

/// <summary>The running system's public gRPC APIs and the few steps these tests take with them.</summary>
public sealed class Api(SystemUnderTest system)
{
    private const int ChunkBytes = 64 * 1024;

    public SystemUnderTest System => system;

    private ServiceClient Identity { get; } = Client(system, "identity", IdentityReflection.Descriptor.Services[0]);

    private ServiceClient Permissions { get; } = Client(system, "permissions", PermissionsReflection.Descriptor.Services[0]);

    public ServiceClient Records { get; } = Client(system, "records", RecordsReflection.Descriptor.Services[0]);

    private ServiceClient Images { get; } = Client(system, "imagenft", ImageNftReflection.Descriptor.Services[0]);

    /// <summary>A patient, and a doctor of HospitalAMSP the patient has granted access to.</summary>
    public async Task<(Actor Patient, Actor Doctor)> GrantedPairAsync(string patientName, string doctorName)
    {
        var patient = await RegisterAsync(patientName, NewDocument(), Role.Patient);
        var doctorDocument = NewDocument();
        using (var channel = GrpcChannel.ForAddress(system.AddressOf("fabricgateway")))
        {
            // The hospital declares the doctor's document before the doctor can register as one.
            await new FabricGateway.FabricGatewayClient(channel).EnrollDoctorAsync(new EnrollDoctorRequest { OrganisationMspId = "HospitalAMSP", IdentityDocumentNumber = doctorDocument },
                new CallOptions(headers: new Metadata { { "x-admin-key", SystemUnderTest.AdminKey } }, deadline: DateTime.UtcNow.AddSeconds(30)));
        }

        var doctor = await RegisterAsync(doctorName, doctorDocument, Role.Doctor);
        await Permissions.Call<GrantPermissionRequest, GrantPermissionResponse>(new GrantPermissionRequest { DoctorAccountId = doctor.AccountId }, patient.Token);
        return (patient, doctor);
    }

    public Task<CreateRecordResponse> CreateRecordAsync(Actor doctor, Actor patient, string title) =>
        Records.Call<CreateRecordRequest, CreateRecordResponse>(new CreateRecordRequest
        {
            PatientAccountId = patient.AccountId,
            Document = new EhrDocument
            {
                Title = title,
                Notes = { new ClinicalNote { NoteId = "n1", Text = "Cough and fever for three days." } },
            },
        }, doctor.Token);

    public Task<GetRecordResponse> GetRecordAsync(Actor reader, string recordId) =>
        Records.Call<GetRecordRequest, GetRecordResponse>(new GetRecordRequest { RecordId = recordId }, reader.Token);

    public async Task<UploadImageResponse> UploadImageAsync(Actor doctor, Actor patient, string recordId, byte[] image)
    {
        using var call = Images.ClientStream<UploadImageRequest, UploadImageResponse>(doctor.Token);
        await call.RequestStream.WriteAsync(new UploadImageRequest
        {
            Metadata = new ImageUploadMetadata
            {
                PatientAccountId = patient.AccountId, RecordId = recordId, ContentType = "image/png", FileName = "chest.png", DeclaredSizeBytes = image.Length,
            },
        });
        for (var offset = 0; offset < image.Length; offset += ChunkBytes)
        {
            await call.RequestStream.WriteAsync(new UploadImageRequest { Chunk = ByteString.CopyFrom(image, offset, Math.Min(ChunkBytes, image.Length - offset)) });
        }

        await call.RequestStream.CompleteAsync();
        return await call;
    }

    public async Task<byte[]> DownloadImageAsync(Actor reader, string tokenId)
    {
        using var call = Images.ServerStream<GetImageRequest, GetImageResponse>(new GetImageRequest { TokenId = tokenId }, reader.Token);
        using var content = new MemoryStream();
        await foreach (var part in call.ResponseStream.ReadAllAsync())
        {
            if (part.PartCase == GetImageResponse.PartOneofCase.Chunk)
            {
                part.Chunk.WriteTo(content);
            }
        }

        return content.ToArray();
    }

    /// <summary>A PNG signature followed by pseudo-random bytes: passes the service's image type check.</summary>
    public static byte[] Png(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(bytes, 0);
        return bytes;
    }

    private async Task<Actor> RegisterAsync(string name, string document, Role role)
    {
        var password = "correct horse " + name;
        await Identity.Call<RegisterRequest, RegisterResponse>(new RegisterRequest
        {
            IdentityDocumentNumber = document, FirstName = name, LastName = "Tester", Email = $"{name.ToLowerInvariant()}@example.org",
            Password = password, RequestedRole = role,
        });
        var login = await Identity.Call<LoginRequest, LoginResponse>(new LoginRequest
        {
            DocumentAndRole = new DocumentAndRole { IdentityDocumentNumber = document, Role = role },
            Password = password,
        });
        return new Actor(login.AccountId, login.AccessToken);
    }

    private static string NewDocument() => "D" + Random.Shared.NextInt64(10_000_000, 99_999_999).ToString(CultureInfo.InvariantCulture);

    private static ServiceClient Client(SystemUnderTest system, string name, Google.Protobuf.Reflection.ServiceDescriptor service) =>
        new(system.AddressOf(name), service);
}

using Google.Protobuf.WellKnownTypes;
using HybridEhr.Contracts.ImageNft.V1;
using HybridEhr.Contracts.Permissions.V1;
using HybridEhr.Contracts.Records.V1;
using Grpc.Core;
using Xunit;

// One system per transport, shared by the test classes of its collection; collections run one after the other,
// because two whole systems at once would compete for this machine's two cores.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace HybridEhr.EndToEnd.Tests;

/// <summary>What every end-to-end test has: the running system's APIs and the paper's common steps.</summary>
public abstract class EndToEndTest(InMemorySystemFixture fixture)
{
    protected Api Api => fixture.Api;

    protected async Task<(Actor Patient, Actor Doctor)> GrantedPairAsync(string patientName, string doctorName, TimeSpan? expiresIn = null)
    {
        var patient = await Api.RegisterPatientAsync(patientName);
        var doctor = await Api.RegisterDoctorAsync(doctorName);
        var grant = new GrantPermissionRequest { DoctorAccountId = doctor.AccountId };
        if (expiresIn is { } ttl)
        {
            grant.ExpiresAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow + ttl);
        }

        await Api.Permissions.Call<GrantPermissionRequest, GrantPermissionResponse>(grant, patient.Token);
        return (patient, doctor);
    }

    protected Task<CreateRecordResponse> CreateRecordAsync(Actor doctor, Actor patient) =>
        Api.Records.Call<CreateRecordRequest, CreateRecordResponse>(
            new CreateRecordRequest { PatientAccountId = patient.AccountId, Document = SampleDocument() }, doctor.Token);

    protected static EhrDocument SampleDocument() => new()
    {
        Title = "Admission 2026-11",
        Diagnoses = { new Diagnosis { Code = new Coding { System = CodeSystem.Icd10Cm, Code = "J18.9", Display = "Pneumonia, unspecified organism" } } },
        Notes = { new ClinicalNote { NoteId = "n1", Text = "Cough and fever for three days." } },
    };

    /// <summary>Table 3 case 2: the patient revokes; the doctor is refused the record at once, the patient still reads it.</summary>
    protected async Task RevokeAndExpectOnlyThePatientReadsAsync(Actor patient, Actor doctor, string recordId)
    {
        await Api.Permissions.Call<RevokePermissionRequest, RevokePermissionResponse>(new RevokePermissionRequest { DoctorAccountId = doctor.AccountId }, patient.Token);

        await RpcAssert.FailsWith(StatusCode.PermissionDenied,
            () => Api.Records.Call<GetRecordRequest, GetRecordResponse>(new GetRecordRequest { RecordId = recordId }, doctor.Token));
        var stillOwn = await Api.Records.Call<GetRecordRequest, GetRecordResponse>(new GetRecordRequest { RecordId = recordId }, patient.Token);
        Assert.Equal(recordId, stillOwn.Record.RecordId);
    }

    /// <summary>
    /// The paper's Figures 8, 10 and 11: the doctor uploads an image of the record, links it in a new version; patient
    /// and doctor both read the record and download the image; the record verifies against its chain anchor.
    /// </summary>
    protected async Task<(UploadImageResponse Upload, GetRecordHistoryResponse History)> AddImageReadAndVerifyAsync(
        Actor doctor, Actor patient, CreateRecordResponse created, byte[] image)
    {
        var upload = await UploadAsync(doctor, patient, created.RecordId, image);
        var document = SampleDocument();
        document.Images.Add(new ImageReference { TokenId = upload.TokenId, ContentHash = upload.ContentHash, Modality = "XR", Description = "chest" });
        var updated = await Api.Records.Call<UpdateRecordRequest, UpdateRecordResponse>(new UpdateRecordRequest
        {
            RecordId = created.RecordId, ExpectedVersion = created.Version.Version, Document = document, ChangeReason = "x-ray added",
        }, doctor.Token);
        Assert.True(updated.Version.Version > created.Version.Version);

        foreach (var reader in new[] { patient, doctor })
        {
            var read = await Api.Records.Call<GetRecordRequest, GetRecordResponse>(new GetRecordRequest { RecordId = created.RecordId }, reader.Token);
            Assert.Equal(document, read.Record.Document);
            Assert.Equal(image, await DownloadAsync(reader, upload.TokenId));
        }

        var verify = await Api.Records.Call<VerifyRecordRequest, VerifyRecordResponse>(new VerifyRecordRequest { RecordId = created.RecordId }, patient.Token);
        Assert.Equal(IntegrityVerdict.Verified, verify.Verdict);
        var history = await Api.Records.Call<GetRecordHistoryRequest, GetRecordHistoryResponse>(new GetRecordHistoryRequest { RecordId = created.RecordId }, patient.Token);
        return (upload, history);
    }

    protected async Task<UploadImageResponse> UploadAsync(Actor doctor, Actor patient, string recordId, byte[] image, string contentType = "image/png",
        string idempotencyKey = "")
    {
        using var call = Api.Images.ClientStream<UploadImageRequest, UploadImageResponse>(doctor.Token);
        await call.RequestStream.WriteAsync(new UploadImageRequest
        {
            Metadata = new ImageUploadMetadata
            {
                PatientAccountId = patient.AccountId, RecordId = recordId, ContentType = contentType, FileName = "chest.png", DeclaredSizeBytes = image.Length,
                IdempotencyKey = idempotencyKey,
            },
        });
        try
        {
            for (var offset = 0; offset < image.Length; offset += 64 * 1024)
            {
                await call.RequestStream.WriteAsync(new UploadImageRequest { Chunk = Bytes.Chunk(image, offset, Math.Min(64 * 1024, image.Length - offset)) });
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // The server may end the call while chunks are still being written (a refusal after the metadata); then
            // the write only says it was interrupted, and the server's answer says why, as any client should read it.
            await call;
            throw;
        }

        return await call;
    }

    protected async Task<byte[]> DownloadAsync(Actor reader, string tokenId)
    {
        using var call = Api.Images.ServerStream<GetImageRequest, GetImageResponse>(new GetImageRequest { TokenId = tokenId }, reader.Token);
        using var bytes = new MemoryStream();
        await foreach (var part in call.ResponseStream.ReadAllAsync())
        {
            if (part.PartCase == GetImageResponse.PartOneofCase.Chunk)
            {
                part.Chunk.WriteTo(bytes);
            }
        }

        return bytes.ToArray();
    }

}

[CollectionDefinition(Name)]
public sealed class InMemoryCollection : ICollectionFixture<InMemorySystemFixture>
{
    public const string Name = "in-memory system";
}

[CollectionDefinition(Name)]
public sealed class RabbitMqCollection : ICollectionFixture<RabbitMqSystemFixture>
{
    public const string Name = "rabbitmq system";
}

[CollectionDefinition(Name)]
public sealed class FaultInjectionCollection : ICollectionFixture<FaultInjectionSystemFixture>
{
    public const string Name = "fault injection system";
}

[CollectionDefinition(Name)]
public sealed class RealServersCollection : ICollectionFixture<RealServersSystemFixture>
{
    public const string Name = "real servers system";
}

[CollectionDefinition(Name)]
public sealed class TracedCollection : ICollectionFixture<TracedSystemFixture>
{
    public const string Name = "traced system";
}

using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using HybridEhr.Clients.CouchDb;
using HybridEhr.Contracts.Records.V1;
using Grpc.Core;
using Xunit;

namespace HybridEhr.StorageWiring.Tests;

/// <summary>Records keeps its encrypted documents in CouchDB, and refuses a document altered there.</summary>
[Collection(StorageSystemCollection.Name)]
public sealed class RecordsOnCouchDbTests(StorageSystemFixture fixture)
{
    private Api Api => fixture.Api;

    private CouchDatabase Database => fixture.CouchDb.GetDatabase(StorageSystemFixture.RecordsDatabase);

    [Fact]
    public async Task A_record_written_by_a_doctor_is_stored_encrypted_in_CouchDB_reads_back_and_is_listed()
    {
        var (patient, doctor) = await Api.GrantedPairAsync("Ana", "Bruno");
        var created = await Api.CreateRecordAsync(doctor, patient, "Admission 2026-11");

        var header = await Database.GetAsync("record:" + created.RecordId);
        Assert.Equal(patient.AccountId, header.GetProperty("patientAccountId").GetString());
        var version = await StoredVersionAsync(created.RecordId);
        Assert.False(string.IsNullOrEmpty(version["envelope"]?.GetValue<string>()));
        // Titles and notes can be clinical: CouchDB holds them sealed only.
        Assert.DoesNotContain("Admission", header.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("Cough", version.ToJsonString(), StringComparison.Ordinal);

        foreach (var reader in new[] { doctor, patient })
        {
            var read = await Api.GetRecordAsync(reader, created.RecordId);
            Assert.Equal("Admission 2026-11", read.Record.Document.Title);
        }

        // Listing goes through the Mango index on the patient.
        var listed = await Api.Records.Call<ListRecordsRequest, ListRecordsResponse>(
            new ListRecordsRequest { PatientAccountId = patient.AccountId }, patient.Token);
        var summary = Assert.Single(listed.Records);
        Assert.Equal(created.RecordId, summary.RecordId);
        Assert.Equal("Admission 2026-11", summary.Title);
    }

    [Fact]
    public async Task A_ciphertext_changed_directly_in_CouchDB_is_refused_with_DATA_LOSS_even_with_its_hash_rewritten()
    {
        var (patient, doctor) = await Api.GrantedPairAsync("Carla", "Dario");
        var created = await Api.CreateRecordAsync(doctor, patient, "Discharge letter");
        var stored = await StoredVersionAsync(created.RecordId);

        // Someone with write access to CouchDB (not to the chain) flips one bit and, to cover it, rewrites the stored hash.
        var envelope = Convert.FromBase64String(stored["envelope"]!.GetValue<string>());
        envelope[envelope.Length / 2] ^= 0x01;
        stored["envelope"] = Convert.ToBase64String(envelope);
        stored["ciphertextHash"] = Convert.ToHexStringLower(SHA256.HashData(envelope));
        var id = stored["_id"]!.GetValue<string>();
        var revision = stored["_rev"]!.GetValue<string>();
        stored.Remove("_rev");
        var written = await Database.PutAsync(id, stored, revision);
        Assert.NotEqual(revision, written.Rev);

        foreach (var reader in new[] { patient, doctor })
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => Api.GetRecordAsync(reader, created.RecordId));
            Assert.True(error.StatusCode == StatusCode.DataLoss, $"expected DATA_LOSS, got {error.StatusCode}: {error.Status.Detail}");
            Assert.False(string.IsNullOrWhiteSpace(error.Status.Detail));
        }
    }

    /// <summary>The record's only version document, found by its fields rather than by the store's id scheme.</summary>
    private async Task<JsonObject> StoredVersionAsync(string recordId)
    {
        var found = await Database.FindAsync(new FindQuery { Selector = new JsonObject { ["docType"] = "version", ["recordId"] = recordId } });
        var document = Assert.Single(found.Docs);
        return JsonNode.Parse(document.GetRawText())!.AsObject();
    }
}

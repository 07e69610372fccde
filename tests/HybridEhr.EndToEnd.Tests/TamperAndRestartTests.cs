using System.Security.Cryptography;
using System.Text.Json.Nodes;
using HybridEhr.Contracts.Permissions.V1;
using HybridEhr.Contracts.Records.V1;
using Grpc.Core;
using Xunit;

namespace HybridEhr.EndToEnd.Tests;

/// <summary>
/// Someone with access to the stores (not to the chains) alters data: every read notices and refuses with
/// DATA_LOSS. And any process may die and come back without losing committed data.
/// </summary>
[Collection(InMemoryCollection.Name)]
public sealed class TamperAndRestartTests(InMemorySystemFixture fixture) : EndToEndTest(fixture)
{
    [Fact]
    public async Task Ehr_altered_in_the_store_is_refused_on_read_even_with_its_stored_hash_rewritten()
    {
        var (patient, doctor) = await GrantedPairAsync("Gael", "Hana");
        var created = await CreateRecordAsync(doctor, patient);
        var versionFile = Directory.GetFiles(Path.Combine(Api.System.Root, "records"), "v*.json", SearchOption.AllDirectories)
            .Single(path => path.Contains(created.RecordId, StringComparison.Ordinal));

        // The attacker changes the ciphertext and, to cover it, the hash stored beside it; only the chain anchor is out of reach.
        var stored = JsonNode.Parse(await File.ReadAllTextAsync(versionFile))!.AsObject();
        var envelopeProperty = stored.First(p => p.Key.Equals("envelope", StringComparison.OrdinalIgnoreCase)).Key;
        var envelope = Convert.FromBase64String(stored[envelopeProperty]!.GetValue<string>());
        envelope[envelope.Length / 2] ^= 0x01;
        stored[envelopeProperty] = Convert.ToBase64String(envelope);
        var hashProperty = stored.FirstOrDefault(p => p.Key.Equals("ciphertextHash", StringComparison.OrdinalIgnoreCase)).Key;
        if (hashProperty is not null)
        {
            stored[hashProperty] = Convert.ToHexStringLower(SHA256.HashData(envelope));
        }

        await File.WriteAllTextAsync(versionFile, stored.ToJsonString());

        foreach (var reader in new[] { patient, doctor })
        {
            await RpcAssert.FailsWith(StatusCode.DataLoss,
                () => Api.Records.Call<GetRecordRequest, GetRecordResponse>(new GetRecordRequest { RecordId = created.RecordId }, reader.Token));
        }

        var verdict = await Api.Records.Call<VerifyRecordRequest, VerifyRecordResponse>(new VerifyRecordRequest { RecordId = created.RecordId }, patient.Token);
        Assert.NotEqual(IntegrityVerdict.Verified, verdict.Verdict);
    }

    [Fact]
    public async Task Image_replaced_in_the_store_is_refused_before_a_byte_is_sent()
    {
        var (patient, doctor) = await GrantedPairAsync("Ines", "Joel");
        var created = await CreateRecordAsync(doctor, patient);
        var upload = await UploadAsync(doctor, patient, created.RecordId, Bytes.Png(100_000, seed: 3));
        var blob = Directory.GetFiles(Path.Combine(Api.System.Root, "imagenft"), upload.Cid, SearchOption.AllDirectories).Single();
        var bytes = await File.ReadAllBytesAsync(blob);
        bytes[bytes.Length / 3] ^= 0x80;
        await File.WriteAllBytesAsync(blob, bytes);

        await RpcAssert.FailsWith(StatusCode.DataLoss, () => DownloadAsync(patient, upload.TokenId));
    }

    [Fact]
    public async Task Killing_the_devnet_records_or_permissions_loses_no_committed_data()
    {
        var (patient, doctor) = await GrantedPairAsync("Kai", "Lea");
        var created = await CreateRecordAsync(doctor, patient);

        foreach (var name in new[] { "devnet", "records", "permissions" })
        {
            await Api.System.RestartAsync(name);

            var read = await Api.Records.Call<GetRecordRequest, GetRecordResponse>(new GetRecordRequest { RecordId = created.RecordId }, doctor.Token);
            Assert.Equal(SampleDocument(), read.Record.Document);
            var check = await Api.Permissions.Call<HasPermissionRequest, HasPermissionResponse>(
                new HasPermissionRequest { PatientAccountId = patient.AccountId, DoctorAccountId = doctor.AccountId }, doctor.Token);
            Assert.True(check.HasPermission, $"the grant was lost after restarting {name}");
        }

        var verdict = await Api.Records.Call<VerifyRecordRequest, VerifyRecordResponse>(new VerifyRecordRequest { RecordId = created.RecordId }, patient.Token);
        Assert.Equal(IntegrityVerdict.Verified, verdict.Verdict);
    }
}

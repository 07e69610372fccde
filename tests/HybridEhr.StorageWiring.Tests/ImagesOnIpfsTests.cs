using HybridEhr.Clients.Ipfs;
using Grpc.Core;
using Xunit;

namespace HybridEhr.StorageWiring.Tests;

/// <summary>ImageNft keeps its encrypted images on IPFS under the CID its token names, and refuses a replaced block.</summary>
[Collection(StorageSystemCollection.Name)]
public sealed class ImagesOnIpfsTests(StorageSystemFixture fixture)
{
    // Under IPFS's 256 KiB chunk size, so the encrypted image is one raw block (a file in js-ipfs's repository).
    private const int ImageBytes = 100_000;

    private Api Api => fixture.Api;

    [Fact]
    public async Task An_image_is_pinned_in_IPFS_under_the_CID_its_token_names_and_downloads_intact()
    {
        var (patient, doctor) = await Api.GrantedPairAsync("Elsa", "Fabio");
        var created = await Api.CreateRecordAsync(doctor, patient, "Chest X-ray");
        var image = Api.Png(ImageBytes, seed: 7);

        var upload = await Api.UploadImageAsync(doctor, patient, created.RecordId, image);

        Assert.Equal(upload.Cid, upload.Token.Cid);
        Assert.Equal("ipfs://" + upload.Cid, upload.Token.TokenUri);
        Assert.Contains(await fixture.Ipfs.PinListAsync(upload.Cid), pin => pin.Cid == upload.Cid);
        // The node itself hashes what it serves to the token's CID, and it is ciphertext, not the image.
        var served = await CatAsync(upload.Cid);
        var rehashed = await fixture.Ipfs.AddAsync(new MemoryStream(served), options: new IpfsAddOptions { OnlyHash = true, Pin = false });
        Assert.Equal(upload.Cid, rehashed.Cid);
        Assert.False(served.AsSpan().IndexOf(image.AsSpan(8, 64)) >= 0, "the image is stored in clear");

        Assert.Equal(image, await Api.DownloadImageAsync(patient, upload.TokenId));
        Assert.Equal(image, await Api.DownloadImageAsync(doctor, upload.TokenId));
    }

    [Fact]
    public async Task A_5_MB_image_spanning_many_blocks_gets_the_same_CID_from_the_node_as_from_the_service()
    {
        var (patient, doctor) = await Api.GrantedPairAsync("Iris", "Jonas");
        var created = await Api.CreateRecordAsync(doctor, patient, "CT series");
        var image = Api.Png(5 * 1024 * 1024, seed: 9);

        // The service refuses the upload if the CID the node computes (a DAG of 256 KiB raw leaves) differs from its own.
        var upload = await Api.UploadImageAsync(doctor, patient, created.RecordId, image);

        Assert.Contains(await fixture.Ipfs.PinListAsync(upload.Cid), pin => pin.Cid == upload.Cid);
        Assert.Equal(image, await Api.DownloadImageAsync(patient, upload.TokenId));
    }

    [Fact]
    public async Task An_IPFS_block_replaced_in_the_node_s_repository_is_refused_with_DATA_LOSS()
    {
        var (patient, doctor) = await Api.GrantedPairAsync("Gina", "Hugo");
        var created = await Api.CreateRecordAsync(doctor, patient, "Chest X-ray");
        var upload = await Api.UploadImageAsync(doctor, patient, created.RecordId, Api.Png(ImageBytes, seed: 8));

        // The API cannot put other bytes under a CID, so the attacker edits the block file in the node's repository.
        var original = await CatAsync(upload.Cid);
        var blockFile = Assert.Single(Directory.EnumerateFiles(Path.Combine(fixture.IpfsRepository, "blocks"), "*", SearchOption.AllDirectories),
            path => new FileInfo(path).Length == original.Length && File.ReadAllBytes(path).AsSpan().SequenceEqual(original));
        var tampered = (byte[])original.Clone();
        tampered[tampered.Length / 3] ^= 0x80;
        await File.WriteAllBytesAsync(blockFile, tampered);
        // The node serves the altered bytes under the old CID without noticing: only the service's check stands.
        Assert.Equal(tampered, await CatAsync(upload.Cid));

        foreach (var reader in new[] { patient, doctor })
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => Api.DownloadImageAsync(reader, upload.TokenId));
            Assert.True(error.StatusCode == StatusCode.DataLoss, $"expected DATA_LOSS, got {error.StatusCode}: {error.Status.Detail}");
            Assert.False(string.IsNullOrWhiteSpace(error.Status.Detail));
        }
    }

    private async Task<byte[]> CatAsync(string cid)
    {
        await using var content = await fixture.Ipfs.CatAsync(cid);
        using var bytes = new MemoryStream();
        await content.CopyToAsync(bytes);
        return bytes.ToArray();
    }
}

using Google.Protobuf;
using HybridEhr.Contracts.ImageNft.V1;
using Grpc.Core;
using HybridEhr.ImageNft.Content;
using HybridEhr.ImageNft.Crypto;
using HybridEhr.ImageNft.Uploads;
using Xunit;

namespace HybridEhr.ImageNft.Tests;

/// <summary>The rules of an upload's metadata and chunks, enforced as the stream arrives.</summary>
public sealed class UploadStreamingTests
{
    private const long Max = ImageNftOptions.ProtocolMaxImageBytes;

    [Theory]
    [InlineData("patient", "0xABC")]
    [InlineData("record", "ehr/1")]
    [InlineData("type", "image/gif")]
    [InlineData("name", "")]
    [InlineData("name", "../etc/passwd")]
    [InlineData("name", "a\\b.png")]
    [InlineData("name", "line\nbreak.png")]
    [InlineData("size", "0")]
    [InlineData("size", "67108865")]
    [InlineData("hash", "abc")]
    public void Metadata_breaking_a_constraint_is_invalid_argument(string field, string value)
    {
        var metadata = Images.Metadata(100);
        switch (field)
        {
            case "patient": metadata.PatientAccountId = value; break;
            case "record": metadata.RecordId = value; break;
            case "type": metadata.ContentType = value; break;
            case "name": metadata.FileName = value; break;
            case "size": metadata.DeclaredSizeBytes = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case "hash": metadata.ExpectedContentHash = value; break;
        }

        var error = Assert.Throws<RpcException>(() => UploadMetadataValidator.Validate(metadata, Max));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public void A_declared_size_over_the_configured_limit_is_resource_exhausted()
    {
        var error = Assert.Throws<RpcException>(() => UploadMetadataValidator.Validate(Images.Metadata(5000), maxImageBytes: 4096));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public void Valid_metadata_is_normalised()
    {
        var metadata = Images.Metadata(100);
        metadata.ExpectedContentHash = new string('A', 64);

        var upload = UploadMetadataValidator.Validate(metadata, Max);

        Assert.Equal(new string('a', 64), upload.ExpectedContentHash);
        Assert.Null(UploadMetadataValidator.Validate(Images.Metadata(100), Max).ExpectedContentHash);
    }

    [Fact]
    public void Matching_chunks_give_the_plaintext_hash_and_encrypt_everything()
    {
        var content = Images.Png(300_000);
        var ciphertext = new MemoryStream();
        var received = Receive(Images.Metadata(content.Length), content, 70_000, ciphertext);

        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content)), received.ContentHash);
        Assert.Equal(content.Length, received.SizeBytes);
        Assert.Equal(ImageCipher.CiphertextLength(content.Length), ciphertext.Length);
    }

    [Fact]
    public void A_byte_beyond_the_declared_size_stops_the_upload_at_that_chunk()
    {
        var content = Images.Png(1000);
        using var receiver = Receiver(Images.Metadata(999), Max, out _);
        receiver.Accept(Chunk(content.AsSpan(0, 600)));

        var error = Assert.Throws<RpcException>(() => receiver.Accept(Chunk(content.AsSpan(600))));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(600, receiver.ReceivedBytes);
    }

    [Fact]
    public void The_configured_limit_is_enforced_while_streaming()
    {
        using var receiver = Receiver(Images.Metadata(1000), maxImageBytes: 500, out _);
        receiver.Accept(Chunk(Images.Png(400)));

        var error = Assert.Throws<RpcException>(() => receiver.Accept(Chunk(new byte[200])));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public void Fewer_bytes_than_declared_is_invalid_argument()
    {
        using var receiver = Receiver(Images.Metadata(1000), Max, out _);
        receiver.Accept(Chunk(Images.Png(999)));

        Assert.Equal(StatusCode.InvalidArgument, Assert.Throws<RpcException>(receiver.Complete).StatusCode);
    }

    [Fact]
    public void Empty_and_oversized_chunks_are_refused()
    {
        using var receiver = Receiver(Images.Metadata(3_000_000), Max, out _);

        Assert.Equal(StatusCode.InvalidArgument, Assert.Throws<RpcException>(() => receiver.Accept(Chunk([]))).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument,
            Assert.Throws<RpcException>(() => receiver.Accept(Chunk(new byte[ImageStreamReceiver.MaxChunkBytes + 1]))).StatusCode);
    }

    [Fact]
    public void Metadata_sent_twice_is_refused()
    {
        using var receiver = Receiver(Images.Metadata(100), Max, out _);

        var error = Assert.Throws<RpcException>(() => receiver.Accept(new UploadImageRequest { Metadata = Images.Metadata(100) }));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("twice", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_content_type_mismatch_is_caught_as_soon_as_the_magic_number_arrived()
    {
        var jpeg = Images.Jpeg(10_000);
        using var receiver = Receiver(Images.Metadata(jpeg.Length), Max, out _);

        receiver.Accept(Chunk(jpeg.AsSpan(0, 4)));
        var error = Assert.Throws<RpcException>(() => receiver.Accept(Chunk(jpeg.AsSpan(4, 4))));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("image/jpeg", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dicom_file_is_checked_at_offset_128_across_chunks()
    {
        var dicom = Images.Dicom(5000);
        var received = Receive(Images.Metadata(dicom.Length, ImageSignatures.Dicom), dicom, 50, new MemoryStream());
        Assert.Equal(5000, received.SizeBytes);

        var notDicom = new byte[5000];
        using var receiver = Receiver(Images.Metadata(notDicom.Length, ImageSignatures.Dicom), Max, out _);
        receiver.Accept(Chunk(notDicom.AsSpan(0, 100)));
        Assert.Equal(StatusCode.InvalidArgument, Assert.Throws<RpcException>(() => receiver.Accept(Chunk(notDicom.AsSpan(100, 100)))).StatusCode);
    }

    [Fact]
    public void A_file_too_short_for_its_magic_number_is_refused()
    {
        using var receiver = Receiver(Images.Metadata(100, ImageSignatures.Dicom), Max, out _);
        receiver.Accept(Chunk(new byte[100]));

        Assert.Equal(StatusCode.InvalidArgument, Assert.Throws<RpcException>(receiver.Complete).StatusCode);
    }

    [Fact]
    public void A_wrong_expected_hash_is_data_loss()
    {
        var content = Images.Png(1000);
        var metadata = Images.Metadata(content.Length);
        metadata.ExpectedContentHash = new string('0', 64);

        var error = Assert.Throws<RpcException>(() => Receive(metadata, content, 300, new MemoryStream()));
        Assert.Equal(StatusCode.DataLoss, error.StatusCode);
    }

    private static ReceivedImage Receive(ImageUploadMetadata metadata, byte[] content, int chunkSize, MemoryStream ciphertext)
    {
        using var encryptor = new ImageEncryptor(new byte[32], "t"u8, bytes => ciphertext.Write(bytes));
        using var receiver = new ImageStreamReceiver(UploadMetadataValidator.Validate(metadata, Max), Max, encryptor);
        for (var offset = 0; offset < content.Length; offset += chunkSize)
        {
            receiver.Accept(Chunk(content.AsSpan(offset, Math.Min(chunkSize, content.Length - offset))));
        }

        return receiver.Complete();
    }

    private static ImageStreamReceiver Receiver(ImageUploadMetadata metadata, long maxImageBytes, out MemoryStream ciphertext)
    {
        var sink = ciphertext = new MemoryStream();
        var encryptor = new ImageEncryptor(new byte[32], "t"u8, bytes => sink.Write(bytes));
        return new ImageStreamReceiver(UploadMetadataValidator.Validate(metadata, Max), maxImageBytes, encryptor);
    }

    private static UploadImageRequest Chunk(ReadOnlySpan<byte> bytes) => new() { Chunk = ByteString.CopyFrom(bytes) };
}

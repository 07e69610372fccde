using HybridEhr.Contracts.ImageNft.V1;
using Grpc.Core;
using HybridEhr.ImageNft.Content;

namespace HybridEhr.ImageNft.Uploads;

/// <summary>An upload's metadata once every field has been checked; the hash is lower-case hex or null.</summary>
public sealed record ValidatedUpload(
    string PatientAccountId, string RecordId, string ContentType, string FileName, long DeclaredSizeBytes, string? ExpectedContentHash,
    string? IdempotencyKey = null);

/// <summary>The rules of ImageUploadMetadata (image_nft.proto), each broken one reported with what was wrong.</summary>
public static class UploadMetadataValidator
{
    public const int MaxFileNameLength = 255;

    public const int MaxIdempotencyKeyLength = 64;

    public static ValidatedUpload Validate(ImageUploadMetadata metadata, long maxImageBytes)
    {
        if (!Identifiers.IsAccountId(metadata.PatientAccountId))
        {
            throw Invalid("patient_account_id must be an account id: '0x' and 64 lower-case hex digits.");
        }

        if (!Identifiers.IsRecordOrTokenId(metadata.RecordId))
        {
            throw Invalid("record_id must be 1-128 characters of A-Z a-z 0-9 . _ : -");
        }

        if (!ImageSignatures.IsSupported(metadata.ContentType))
        {
            throw Invalid($"content_type must be one of {string.Join(", ", ImageSignatures.Supported)}; got '{metadata.ContentType}'.");
        }

        var fileName = metadata.FileName;
        if (fileName.Length is 0 or > MaxFileNameLength || fileName.Any(c => c is '/' or '\\' || char.IsControl(c)))
        {
            throw Invalid($"file_name must be 1-{MaxFileNameLength} characters without '/', '\\' or control characters.");
        }

        if (metadata.DeclaredSizeBytes is < 1 or > ImageNftOptions.ProtocolMaxImageBytes)
        {
            throw Invalid($"declared_size_bytes must be between 1 and {ImageNftOptions.ProtocolMaxImageBytes}; got {metadata.DeclaredSizeBytes}.");
        }

        if (metadata.DeclaredSizeBytes > maxImageBytes)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"This server accepts images of at most {maxImageBytes} bytes; the upload declares {metadata.DeclaredSizeBytes}."));
        }

        var expectedHash = metadata.ExpectedContentHash.ToLowerInvariant();
        if (expectedHash.Length > 0 && !Identifiers.IsSha256Hex(expectedHash))
        {
            throw Invalid("expected_content_hash must be empty or a SHA-256 in 64 hex digits.");
        }

        if (metadata.IdempotencyKey.Length > MaxIdempotencyKeyLength || metadata.IdempotencyKey.Any(char.IsControl))
        {
            throw Invalid($"idempotency_key must be at most {MaxIdempotencyKeyLength} characters without control characters.");
        }

        return new ValidatedUpload(metadata.PatientAccountId, metadata.RecordId, metadata.ContentType, fileName,
            metadata.DeclaredSizeBytes, expectedHash.Length > 0 ? expectedHash : null,
            metadata.IdempotencyKey.Length > 0 ? metadata.IdempotencyKey : null);
    }

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}

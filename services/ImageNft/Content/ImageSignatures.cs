namespace HybridEhr.ImageNft.Content;

/// <summary>
/// The content types an upload may declare, each checked against the file's magic number, so a file cannot be
/// stored under a type it is not (a viewer trusting the type would otherwise parse something else).
/// </summary>
public static class ImageSignatures
{
    public const string Png = "image/png";
    public const string Jpeg = "image/jpeg";
    public const string Dicom = "application/dicom";

    /// <summary>Bytes needed to decide for every type: DICOM's "DICM" ends at offset 132 (after a 128-byte preamble).</summary>
    public const int LongestSignature = DicomPreambleLength + 4;

    private const int DicomPreambleLength = 128;
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly byte[] JpegSignature = [0xFF, 0xD8, 0xFF];
    private static readonly byte[] DicomMagic = "DICM"u8.ToArray();

    public static IReadOnlyList<string> Supported { get; } = [Png, Jpeg, Dicom];

    public static bool IsSupported(string contentType) => Supported.Contains(contentType, StringComparer.Ordinal);

    /// <summary>Bytes of the head needed to check <paramref name="contentType"/>.</summary>
    public static int RequiredLength(string contentType) => contentType switch
    {
        Png => PngSignature.Length,
        Jpeg => JpegSignature.Length,
        Dicom => LongestSignature,
        _ => throw new ArgumentOutOfRangeException(nameof(contentType), contentType, "Unsupported content type."),
    };

    /// <summary>Whether the file's first bytes carry the magic number of <paramref name="contentType"/>.</summary>
    public static bool Matches(string contentType, ReadOnlySpan<byte> head) => contentType switch
    {
        Png => head.StartsWith(PngSignature),
        Jpeg => head.StartsWith(JpegSignature),
        Dicom => head.Length >= LongestSignature && head.Slice(DicomPreambleLength, DicomMagic.Length).SequenceEqual(DicomMagic),
        _ => false,
    };

    /// <summary>The supported type the head looks like, for a helpful message; null if none.</summary>
    public static string? Detect(ReadOnlySpan<byte> head)
    {
        foreach (var type in Supported)
        {
            if (Matches(type, head))
            {
                return type;
            }
        }

        return null;
    }
}

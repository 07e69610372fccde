using System.Text.Json;
using System.Text.Json.Serialization;

namespace HybridEhr.ImageNft.Storage;

/// <summary>What this service keeps about an image besides its blob: what the chain does not hold (type, name, size)
/// and the wrapped data key. The file name is sealed with the data key (see <see cref="Crypto.SealedText"/>). A null
/// <see cref="WrappedDataKey"/> means the image was erased.</summary>
public sealed record ImageEntry(
    string TokenId,
    string Cid,
    string PatientAccountId,
    string RecordId,
    string ContentType,
    byte[] SealedFileName,
    long SizeBytes,
    string ContentHash,
    byte[]? WrappedDataKey,
    string? MintTxId,
    ulong? MintBlockNumber);

/// <summary>
/// Image entries by token id, one small JSON file each, written atomically. An entry is saved before the mint (so a
/// crash after the mint never leaves a token whose key is lost) and completed with the mint transaction after it.
/// </summary>
public sealed class ImageCatalog
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly string _directory;

    public ImageCatalog(string directory)
    {
        _directory = Path.Combine(directory, "images");
        Directory.CreateDirectory(_directory);
        AtomicFile.DeleteLeftovers(_directory);
    }

    public Task SaveAsync(ImageEntry entry, CancellationToken cancellationToken) =>
        AtomicFile.WriteAllBytesAsync(PathOf(entry.TokenId), JsonSerializer.SerializeToUtf8Bytes(entry, Json), cancellationToken);

    public async Task<ImageEntry?> FindAsync(string tokenId, CancellationToken cancellationToken)
    {
        try
        {
            return JsonSerializer.Deserialize<ImageEntry>(await File.ReadAllBytesAsync(PathOf(tokenId), cancellationToken).ConfigureAwait(false), Json);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Forgets an entry whose mint was refused (nothing on chain refers to it).</summary>
    public void Delete(string tokenId) => File.Delete(PathOf(tokenId));

    // Token ids are validated before they get here (letters, digits, '.', '_', ':', '-'): no path separators.
    private string PathOf(string tokenId) => Path.Combine(_directory, tokenId + ".json");
}

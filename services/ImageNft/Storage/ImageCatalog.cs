using System.Text.Json.Serialization;
using System.Text.Json;
using HybridEhr.Files;

namespace HybridEhr.ImageNft.Storage;

/// <summary>What this service keeps about an image besides its blob: what the chain does not hold (type, name, size)
/// and the wrapped data key. The file name is sealed with the data key (see <see cref="Crypto.SealedText"/>). A null
/// <see cref="WrappedDataKey"/> means the image was erased. <see cref="MintTxId"/> is null while the mint is not
/// confirmed (the entry is saved before the mint is sent); empty when the chain holds the token but this service never
/// saw the mint's answer (its ImageMinted event then comes from FabricGateway's relay of the chain's own event).</summary>
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
        AtomicFile.RemoveLeftovers(_directory);
    }

    public Task SaveAsync(ImageEntry entry, CancellationToken cancellationToken) =>
        AtomicFile.WriteAsync(PathOf(entry.TokenId), JsonSerializer.SerializeToUtf8Bytes(entry, Json), cancellationToken: cancellationToken);

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

    /// <summary>Forgets an entry whose mint was refused or never happened (nothing on chain refers to it).</summary>
    public void Delete(string tokenId) => File.Delete(PathOf(tokenId));

    /// <summary>Entries whose mint is not confirmed, with when they were last written: what a crash or a lost answer left.</summary>
    public async Task<IReadOnlyList<(ImageEntry Entry, DateTimeOffset WrittenAt)>> ListUnconfirmedAsync(CancellationToken cancellationToken)
    {
        var unconfirmed = new List<(ImageEntry, DateTimeOffset)>();
        foreach (var path in Directory.EnumerateFiles(_directory, "*.json"))
        {
            var entry = await FindAsync(Path.GetFileNameWithoutExtension(path), cancellationToken).ConfigureAwait(false);
            if (entry is { MintTxId: null })
            {
                unconfirmed.Add((entry, File.GetLastWriteTimeUtc(path)));
            }
        }

        return unconfirmed;
    }

    // Token ids are validated before they get here (letters, digits, '.', '_', ':', '-'): no path separators.
    private string PathOf(string tokenId) => Path.Combine(_directory, tokenId + ".json");
}

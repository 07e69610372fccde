namespace HybridEhr.ImageNft.Storage;

/// <summary>
/// Where encrypted images live, addressed by their CIDv1 (see <see cref="Content.UnixFsCidBuilder"/>): the embedded
/// file store now, an IPFS node (add + pin, cat) later. An implementation must refuse content that does not hash to
/// the CID it is stored under, as IPFS itself would.
/// </summary>
public interface IImageBlobStore
{
    /// <summary>Stores <paramref name="content"/> (read to its end) under <paramref name="cid"/>; storing the same
    /// content again is harmless. Throws <see cref="InvalidDataException"/> if the content's CID differs.</summary>
    Task PutAsync(string cid, Stream content, CancellationToken cancellationToken);

    /// <summary>The content stored under <paramref name="cid"/>, or null if the store does not have it. Readers verify
    /// what they get; a seekable stream lets them read the verified bytes again without a second fetch.</summary>
    Task<Stream?> OpenReadAsync(string cid, CancellationToken cancellationToken);

    Task<bool> ExistsAsync(string cid, CancellationToken cancellationToken);

    /// <summary>Removes what <see cref="PutAsync"/> stored under <paramref name="cid"/> (an upload that failed, or
    /// whose mint never happened); removing what is not there is harmless.</summary>
    Task DeleteAsync(string cid, CancellationToken cancellationToken);
}

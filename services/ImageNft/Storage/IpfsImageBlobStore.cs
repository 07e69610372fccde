using HybridEhr.Clients.Ipfs;
using Grpc.Core;
using HybridEhr.ImageNft.Content;

namespace HybridEhr.ImageNft.Storage;

/// <summary>
/// Encrypted images on an IPFS node (Kubo RPC API): added as CIDv1 with raw leaves and pinned, read with cat. The node
/// computes the CID itself; it must be the one this service computed, or the content is unpinned and refused. Reads
/// are not trusted either: the downloader verifies the CID and every segment of what the node serves.
/// </summary>
public sealed class IpfsImageBlobStore(IpfsClient ipfs) : IImageBlobStore
{
    public async Task PutAsync(string cid, Stream content, CancellationToken cancellationToken)
    {
        RequireWellFormed(cid);
        IpfsAddResult added;
        try
        {
            added = await ipfs.AddAsync(content, cid, new IpfsAddOptions { Pin = true, RawLeaves = true }, cancellationToken).ConfigureAwait(false);
        }
        catch (IpfsException e)
        {
            throw Unavailable(e);
        }

        if (added.Cid != cid)
        {
            await UnpinQuietlyAsync(added.Cid).ConfigureAwait(false);
            throw new InvalidDataException(
                $"The IPFS node stored the content as {added.Cid}, not {cid}: its chunking or hashing differs from this service's, so it cannot hold these images.");
        }
    }

    public async Task<Stream?> OpenReadAsync(string cid, CancellationToken cancellationToken)
    {
        // Only what we pinned counts as stored: asking an offline node for anything else would wait for the whole timeout.
        if (!await ExistsAsync(cid, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        try
        {
            return await ipfs.CatAsync(cid, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (IpfsContentNotFoundException)
        {
            return null;
        }
        catch (IpfsException e)
        {
            throw Unavailable(e);
        }
    }

    public async Task<bool> ExistsAsync(string cid, CancellationToken cancellationToken)
    {
        RequireWellFormed(cid);
        try
        {
            var pins = await ipfs.PinListAsync(cid, PinType.Recursive, cancellationToken).ConfigureAwait(false);
            return pins.Any(pin => pin.Cid == cid);
        }
        catch (Exception e) when (e is IpfsNotPinnedException or IpfsContentNotFoundException)
        {
            return false;
        }
        catch (IpfsException e)
        {
            throw Unavailable(e);
        }
    }

    /// <summary>Unpins: the node's garbage collection then frees the content (nothing else refers to a ciphertext).</summary>
    public async Task DeleteAsync(string cid, CancellationToken cancellationToken)
    {
        RequireWellFormed(cid);
        try
        {
            await ipfs.PinRemoveAsync(cid, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IpfsNotPinnedException or IpfsContentNotFoundException)
        {
            // Not pinned: nothing to remove.
        }
        catch (IpfsException e)
        {
            throw Unavailable(e);
        }
    }

    /// <summary>A node that cannot be reached, or fails, is a reason to retry later, not an internal error.</summary>
    private static RpcException Unavailable(IpfsException e) =>
        new(new Status(StatusCode.Unavailable, $"The image store (IPFS) cannot be used right now ({e.Message}); retry shortly."));

    private async Task UnpinQuietlyAsync(string cid)
    {
        try
        {
            await ipfs.PinRemoveAsync(cid, CancellationToken.None).ConfigureAwait(false);
        }
        catch (IpfsException)
        {
            // Nothing refers to the stray content; the node's garbage collection removes it once unpinned or not.
        }
    }

    private static void RequireWellFormed(string cid)
    {
        if (!ContentId.IsWellFormedText(cid))
        {
            throw new ArgumentException($"'{cid}' is not a CIDv1 in base32.", nameof(cid));
        }
    }
}

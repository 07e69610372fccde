using System.Collections.Concurrent;
using HybridEhr.ImageNft.Ledger;
using HybridEhr.ImageNft.Storage;
using HybridEhr.ServiceDefaults.Writes;
using Microsoft.Extensions.Logging;
using Grpc.Core;

namespace HybridEhr.ImageNft.Uploads;

/// <summary>
/// Uploads whose mint is unconfirmed: saved (blob and wrapped key) before the mint was sent, then the process died or
/// the answer was lost. Once older than <see cref="ImageNftOptions.PendingGracePeriod"/> the chain decides: the token
/// exists, so the entry is completed; or it does not, so entry and blob are removed (nothing on the chain refers to
/// them). Swept during later uploads, under that caller's identity, since the chain is read through FabricGateway.
/// </summary>
public sealed partial class UnconfirmedUploads(
    ImageCatalog catalog,
    IImageBlobStore blobs,
    IImageLedger ledger,
    KeyedLock locks,
    ImageNftOptions options,
    TimeProvider time,
    ILogger<UnconfirmedUploads> logger)
{
    private readonly SemaphoreSlim _sweeping = new(1, 1);

    // What this process left unconfirmed, by when; the whole catalog is read once, for what earlier processes left.
    private readonly ConcurrentDictionary<string, DateTimeOffset> _unconfirmed = new(StringComparer.Ordinal);
    private bool _catalogRead;
    private DateTimeOffset _nextSweep = DateTimeOffset.MinValue;

    /// <summary>Notes an upload whose mint was sent but not confirmed, for a later sweep.</summary>
    public void Track(string tokenId) => _unconfirmed[tokenId] = time.GetUtcNow();

    /// <summary>Completes or removes the unconfirmed uploads that are old enough; at most one sweep at a time, and
    /// none more often than every grace period. A chain that cannot be asked leaves them for the next sweep.</summary>
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        if (!await _sweeping.WaitAsync(0, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            var now = time.GetUtcNow();
            if (now < _nextSweep || (_catalogRead && _unconfirmed.IsEmpty))
            {
                return;
            }

            _nextSweep = now + options.PendingGracePeriod;
            if (!_catalogRead)
            {
                foreach (var (entry, writtenAt) in await catalog.ListUnconfirmedAsync(cancellationToken).ConfigureAwait(false))
                {
                    _unconfirmed.TryAdd(entry.TokenId, writtenAt);
                }

                _catalogRead = true;
            }

            foreach (var (tokenId, since) in _unconfirmed)
            {
                if (now - since > options.PendingGracePeriod)
                {
                    using var _ = await locks.AcquireAsync(tokenId, cancellationToken).ConfigureAwait(false);
                    if (await catalog.FindAsync(tokenId, cancellationToken).ConfigureAwait(false) is { MintTxId: null } entry)
                    {
                        await ResolveAsync(entry, cancellationToken).ConfigureAwait(false);
                    }

                    _unconfirmed.TryRemove(tokenId, out var _);
                }
            }
        }
        catch (Exception ex) when (ex is Grpc.Core.RpcException or IOException)
        {
            LogSweepFailed(logger, ex.Message);
        }
        finally
        {
            _sweeping.Release();
        }
    }

    /// <summary>Settles one unconfirmed entry against the chain. Call with the token's lock held.</summary>
    public async Task<ChainToken?> ResolveAsync(ImageEntry entry, CancellationToken cancellationToken)
    {
        if (await catalog.FindAsync(entry.TokenId, cancellationToken).ConfigureAwait(false) is not { MintTxId: null } current)
        {
            return null; // settled meanwhile
        }

        var token = await ledger.GetTokenAsync(current.TokenId, cancellationToken).ConfigureAwait(false);
        if (token is not null && token.Cid == current.Cid && token.ContentHash == current.ContentHash)
        {
            await catalog.SaveAsync(current with { MintTxId = "" }, CancellationToken.None).ConfigureAwait(false);
            LogCompleted(logger, current.TokenId);
            return token;
        }

        if (token is null)
        {
            await DiscardAsync(current).ConfigureAwait(false);
            LogDiscarded(logger, current.TokenId, current.Cid);
        }

        return null;
    }

    /// <summary>Removes an upload that is certainly not on the chain: the entry (with the wrapped key), then the blob.</summary>
    public async Task DiscardAsync(ImageEntry entry)
    {
        catalog.Delete(entry.TokenId);
        await blobs.DeleteAsync(entry.Cid, CancellationToken.None).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Completed upload {TokenId}: the chain holds its token although the mint's answer was lost")]
    private static partial void LogCompleted(ILogger logger, string tokenId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed upload {TokenId} (blob {Cid}): its mint never reached the chain")]
    private static partial void LogDiscarded(ILogger logger, string tokenId, string cid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not settle unconfirmed uploads now ({Reason}); trying again on a later upload")]
    private static partial void LogSweepFailed(ILogger logger, string reason);
}

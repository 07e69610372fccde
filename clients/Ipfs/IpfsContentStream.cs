namespace HybridEhr.Clients.Ipfs;

/// <summary>
/// A read-only view of a streamed RPC answer that owns its response, turns a stalled read into
/// <see cref="IpfsTimeoutException"/>, and surfaces Kubo's X-Stream-Error trailer (an error after the body began).
/// </summary>
internal sealed class IpfsContentStream(HttpResponseMessage response, Stream inner, TimeSpan idleTimeout) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        using var stalled = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stalled.CancelAfter(idleTimeout);
        int read;
        try
        {
            read = await inner.ReadAsync(buffer, stalled.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IpfsTimeoutException($"No IPFS content arrived for {idleTimeout}.", e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new IpfsException("The IPFS content stream broke: " + e.Message, null, e);
        }

        if (read == 0 && response.TrailingHeaders.TryGetValues("X-Stream-Error", out var errors)
            && errors.FirstOrDefault(error => !string.IsNullOrEmpty(error)) is { } error)
        {
            throw IpfsException.For(null, error);
        }

        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            response.Dispose();
        }

        base.Dispose(disposing);
    }
}

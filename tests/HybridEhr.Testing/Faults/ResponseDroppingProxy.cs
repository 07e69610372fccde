using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace HybridEhr.Testing.Faults;

/// <summary>
/// A loopback TCP proxy in front of an h2c (gRPC) server that injects the fault a client cannot tell apart from a
/// crash after the write: armed, it lets the next request reach the server, then drops the server's response and
/// cuts the connection. The server did the work; the client sees a broken connection. <see cref="Refuse"/> makes
/// it stop listening so that calls fail with connection refused (the one failure that proves nothing was sent).
/// </summary>
public sealed class ResponseDroppingProxy : IAsyncDisposable
{
    private const int FrameHeaderSize = 9;
    private const byte HeadersFrame = 0x1;
    private const byte ContinuationFrame = 0x9;
    private const int ClientPrefaceSize = 24; // "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _connections = [];
    private readonly Lock _gate = new();
    private CancellationTokenSource _open = new();
    private TcpListener? _listener;
    private Task _accepting = Task.CompletedTask;
    private int _responsesToDrop;
    private byte[]? _armedPath;
    private int _dropped;

    private ResponseDroppingProxy(IPEndPoint target, int port)
    {
        _target = target;
        Port = port;
    }

    /// <summary>The proxy's port on 127.0.0.1; give clients http://127.0.0.1:{Port}.</summary>
    public int Port { get; }

    public string Address => $"http://127.0.0.1:{Port}";

    /// <summary>How many responses were dropped so far (a test checks its fault really happened).</summary>
    public int Dropped => Volatile.Read(ref _dropped);

    public static ResponseDroppingProxy Start(Uri target, int port = 0)
    {
        var endpoint = new IPEndPoint(IPAddress.Parse(target.Host == "localhost" ? "127.0.0.1" : target.Host), target.Port);
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        var proxy = new ResponseDroppingProxy(endpoint, ((IPEndPoint)listener.LocalEndpoint).Port);
        proxy.Listen(listener);
        return proxy;
    }

    /// <summary>The next <paramref name="count"/> responses (each the first HEADERS frame of a stream the server sends) are dropped, and their connections cut.</summary>
    public void DropNextResponses(int count = 1)
    {
        lock (_gate)
        {
            _armedPath = null;
            _responsesToDrop = count;
        }
    }

    /// <summary>
    /// The responses to the next <paramref name="count"/> calls of one method (its gRPC path,
    /// "/package.Service/Method") are dropped and their connections cut; other calls pass. The request is matched in
    /// its HEADERS frame, where .NET's HTTP/2 client writes :path as a literal (it does not index or Huffman-code it).
    /// </summary>
    public void DropNextResponsesTo(string methodPath, int count = 1)
    {
        lock (_gate)
        {
            _armedPath = System.Text.Encoding.ASCII.GetBytes(methodPath);
            _responsesToDrop = count;
        }
    }

    /// <summary>Stops listening and cuts every open connection: new calls are refused until <see cref="Resume"/>.</summary>
    public void Refuse()
    {
        lock (_gate)
        {
            _listener?.Stop();
            _listener = null;
            _open.Cancel();
            _open = new CancellationTokenSource();
        }
    }

    /// <summary>Listens again on the same port after <see cref="Refuse"/>.</summary>
    public void Resume()
    {
        var listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Start();
        Listen(listener);
    }

    private void Listen(TcpListener listener)
    {
        lock (_gate)
        {
            _listener = listener;
            _accepting = AcceptAsync(listener);
        }
    }

    private async Task AcceptAsync(TcpListener listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_gate)
            {
                _connections.RemoveAll(task => task.IsCompleted);
                _connections.Add(RelayAsync(client, _open.Token));
            }
        }
    }

    private async Task RelayAsync(Socket client, CancellationToken refused)
    {
        using var server = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var cut = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, refused);
        client.NoDelay = true;
        try
        {
            await server.ConnectAsync(_target, cut.Token).ConfigureAwait(false);
            var doomed = new HashSet<uint>(); // streams whose response is to be dropped, guarded by itself
            var upstream = CopyRequestsAsync(client, server, doomed, cut.Token);
            var downstream = CopyResponsesAsync(server, client, doomed, cut);
            await Task.WhenAny(upstream, downstream).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException)
        {
        }
        finally
        {
            await cut.CancelAsync().ConfigureAwait(false);
            // An abortive close (RST): the client sees the connection reset, as when a process is killed.
            client.LingerState = new LingerOption(true, 0);
            client.Dispose();
        }
    }

    /// <summary>Relays the client's frames unchanged, marking the streams whose request an armed proxy must answer with a cut.</summary>
    private async Task CopyRequestsAsync(Socket from, Socket to, HashSet<uint> doomed, CancellationToken cancellationToken)
    {
        var preface = new byte[ClientPrefaceSize];
        var header = new byte[FrameHeaderSize];
        try
        {
            if (!await ReceiveExactlyAsync(from, preface, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            await to.SendAsync(preface, cancellationToken).ConfigureAwait(false);
            while (await ReceiveExactlyAsync(from, header, cancellationToken).ConfigureAwait(false))
            {
                var payload = new byte[(header[0] << 16) | (header[1] << 8) | header[2]];
                if (!await ReceiveExactlyAsync(from, payload, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                var streamId = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(5)) & 0x7FFF_FFFF;
                if (header[3] is HeadersFrame or ContinuationFrame && streamId != 0 && TryTakeDrop(payload))
                {
                    lock (doomed)
                    {
                        doomed.Add(streamId);
                    }
                }

                await to.SendAsync(header, cancellationToken).ConfigureAwait(false);
                await to.SendAsync(payload, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException)
        {
        }
    }

    /// <summary>Relays the server's HTTP/2 frames one by one, so that an armed proxy can stop at a response's first HEADERS frame.</summary>
    private async Task CopyResponsesAsync(Socket from, Socket to, HashSet<uint> doomed, CancellationTokenSource cut)
    {
        var header = new byte[FrameHeaderSize];
        try
        {
            while (true)
            {
                if (!await ReceiveExactlyAsync(from, header, cut.Token).ConfigureAwait(false))
                {
                    return;
                }

                var length = (header[0] << 16) | (header[1] << 8) | header[2];
                var streamId = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(5)) & 0x7FFF_FFFF;
                var payload = new byte[length];
                if (!await ReceiveExactlyAsync(from, payload, cut.Token).ConfigureAwait(false))
                {
                    return;
                }

                bool drop;
                lock (doomed)
                {
                    drop = header[3] == HeadersFrame && streamId != 0 && (doomed.Remove(streamId) || TryTakeDrop(requestHeaders: null));
                }

                if (drop)
                {
                    Interlocked.Increment(ref _dropped);
                    return; // the response never reaches the client; RelayAsync resets the connection
                }

                await to.SendAsync(header, cut.Token).ConfigureAwait(false);
                await to.SendAsync(payload, cut.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException)
        {
        }
    }

    /// <summary>
    /// Takes one armed drop if it applies: to a request's HEADERS naming the armed method (<paramref name="requestHeaders"/>),
    /// or, when no method is armed, to any response's HEADERS (<paramref name="requestHeaders"/> null).
    /// </summary>
    private bool TryTakeDrop(byte[]? requestHeaders)
    {
        lock (_gate)
        {
            var applies = _armedPath is null
                ? requestHeaders is null
                : requestHeaders is not null && requestHeaders.AsSpan().IndexOf(_armedPath) >= 0;
            if (!applies || _responsesToDrop <= 0)
            {
                return false;
            }

            _responsesToDrop--;
            return true;
        }
    }

    private static async Task<bool> ReceiveExactlyAsync(Socket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return false;
            }

            filled += read;
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        Refuse();
        Task[] open;
        lock (_gate)
        {
            open = [_accepting, .. _connections];
        }

        await Task.WhenAll(open).ConfigureAwait(false);
        _stopping.Dispose();
        _open.Dispose();
    }
}

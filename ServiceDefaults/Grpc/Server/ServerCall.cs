using System.Runtime.CompilerServices;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace HybridEhr.Grpc.Server;

/// <summary>The protocol side of one server call: reading requests, writing responses and headers.</summary>
internal sealed class ServerCall
{
    private readonly HttpContext _http;
    private readonly GrpcServerOptions _options;
    private readonly string? _requestEncoding;
    private readonly bool _compressResponses;
    private int _writing;

    public ServerCall(HttpContext http, GrpcServerOptions options, string? requestEncoding, bool compressResponses)
    {
        _http = http;
        _options = options;
        _requestEncoding = requestEncoding;
        _compressResponses = compressResponses;
    }

    public ServerCallContext Context { get; set; } = null!;

    public bool HeadersSent { get; private set; }

    public int MessagesWritten { get; private set; }

    public async ValueTask<TRequest> ReadSingleRequestAsync<TRequest>(MessageParser<TRequest> parser)
        where TRequest : class, IMessage<TRequest>
    {
        var request = await ReadRequestAsync(parser).ConfigureAwait(false)
            ?? throw new RpcException(StatusCode.Internal, "Request message was not received.");
        if (await ReadRequestAsync(parser).ConfigureAwait(false) is not null)
        {
            throw new RpcException(StatusCode.Internal, "A unary call received more than one request message.");
        }

        return request;
    }

    public ValueTask<TRequest?> ReadRequestAsync<TRequest>(MessageParser<TRequest> parser)
        where TRequest : class, IMessage<TRequest> =>
        MessageFraming.ReadMessageAsync(
            _http.Request.BodyReader, parser, _options.MaxReceiveMessageSize, _requestEncoding, Context.CancellationToken);

    public async IAsyncEnumerable<TRequest> ReadAllRequestsAsync<TRequest>(
        MessageParser<TRequest> parser, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where TRequest : class, IMessage<TRequest>
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var request = await ReadRequestAsync(parser).ConfigureAwait(false);
            if (request is null)
            {
                yield break;
            }

            yield return request;
        }
    }

    /// <summary>Writes one response; streaming writes flush at once, the unary one rides with the trailers.</summary>
    public async Task WriteResponseAsync(IMessage message, bool flush, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _writing, 1) == 1)
        {
            throw new InvalidOperationException("Only one write at a time is allowed on a response stream.");
        }

        try
        {
            Context.CancellationToken.ThrowIfCancellationRequested();
            PrepareResponseHeaders();
            MessageFraming.WriteMessage(_http.Response.BodyWriter, message, _compressResponses, _options.MaxSendMessageSize);
            MessagesWritten++;
            if (flush)
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Context.CancellationToken);
                await _http.Response.BodyWriter.FlushAsync(linked.Token).ConfigureAwait(false);
            }
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
        }
    }

    public async Task WriteResponseHeadersAsync()
    {
        if (HeadersSent)
        {
            throw new InvalidOperationException("Response headers were already sent.");
        }

        PrepareResponseHeaders();
        await _http.Response.StartAsync(Context.CancellationToken).ConfigureAwait(false);
        // StartAsync only queues the HEADERS frame; flush so the caller sees them before the first message.
        await _http.Response.BodyWriter.FlushAsync(Context.CancellationToken).ConfigureAwait(false);
    }

    private void PrepareResponseHeaders()
    {
        if (HeadersSent)
        {
            return;
        }

        HeadersSent = true;
        var response = _http.Response;
        response.ContentType = GrpcProtocol.ContentType;
        if (_compressResponses)
        {
            response.Headers[GrpcProtocol.EncodingHeader] = GrpcProtocol.GzipEncoding;
        }

        response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.SupportedEncodings;
        AppendMetadata(response.Headers, Context.ResponseHeaders);
    }

    /// <summary>
    /// Ends the call with a status: as HTTP/2 trailers after a response was started, or as a trailers-only response
    /// (status in the only HEADERS frame) when nothing was sent yet.
    /// </summary>
    public void WriteStatus(Status status)
    {
        var response = _http.Response;
        if (HeadersSent || response.HasStarted)
        {
            response.AppendTrailer(GrpcProtocol.StatusHeader, ((int)status.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (status.Detail.Length > 0)
            {
                response.AppendTrailer(GrpcProtocol.MessageHeader, GrpcProtocol.EncodeStatusMessage(status.Detail));
            }

            foreach (var entry in Context.ResponseTrailers)
            {
                response.AppendTrailer(entry.Key, entry.WireValue);
            }

            return;
        }

        WriteTrailersOnly(_http, status, Context.ResponseHeaders, Context.ResponseTrailers);
    }

    public static void WriteTrailersOnly(HttpContext http, Status status, Metadata? headers = null, Metadata? trailers = null)
    {
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.StatusHeader] = ((int)status.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (status.Detail.Length > 0)
        {
            response.Headers[GrpcProtocol.MessageHeader] = GrpcProtocol.EncodeStatusMessage(status.Detail);
        }

        if (headers is not null)
        {
            AppendMetadata(response.Headers, headers);
        }

        if (trailers is not null)
        {
            AppendMetadata(response.Headers, trailers);
        }
    }

    private static void AppendMetadata(IHeaderDictionary target, Metadata metadata)
    {
        foreach (var entry in metadata)
        {
            target.Append(entry.Key, entry.WireValue);
        }
    }
}

using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Google.Protobuf;

namespace HybridEhr.Grpc.Client;

/// <summary>
/// One outgoing call of any kind: sends the request (a single message or a stream), reads the response headers,
/// messages and status, and turns every failure into an <see cref="RpcException"/> with the right code.
/// </summary>
internal sealed class ClientCall<TRequest, TResponse> : IDisposable
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private static readonly ProductInfoHeaderValue UserAgent = new("hybridehr-grpc-dotnet", "1.0");
    private static readonly MediaTypeHeaderValue GrpcMediaType = new(GrpcProtocol.ContentType);

    private readonly GrpcChannel _channel;
    private readonly Method<TRequest, TResponse> _method;
    private readonly CallOptions _options;
    private readonly CancellationTokenSource _cancellation;
    private readonly CancellationTokenSource? _deadline;
    private readonly TaskCompletionSource<Metadata> _headers = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly Activity? _activity;
    private Channel<TRequest>? _requestStream;
    private Task<HttpResponseMessage>? _send;
    private Task<bool>? _responseReady;
    private HttpResponseMessage? _response;
    private PipeReader? _reader;
    private string? _responseEncoding;
    private Status? _status;
    private Metadata? _trailers;

    public ClientCall(GrpcChannel channel, Method<TRequest, TResponse> method, CallOptions options)
    {
        _channel = channel;
        _method = method;
        _options = options;
        if (options.Deadline is { } deadline)
        {
            // A timer of its own, so that an expired deadline is told apart from a cancellation.
            var remaining = deadline - DateTime.UtcNow;
            _deadline = new CancellationTokenSource(remaining <= TimeSpan.Zero ? TimeSpan.Zero
                : remaining.TotalMilliseconds >= int.MaxValue ? Timeout.InfiniteTimeSpan : remaining);
            _cancellation = CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken, _deadline.Token);
        }
        else
        {
            _cancellation = CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken);
        }

        _activity = GrpcTelemetry.ActivitySource.StartActivity($"{method.ServiceName}/{method.Name}", ActivityKind.Client);
        if (_activity is not null)
        {
            GrpcTelemetry.SetRpcTags(_activity, method.ServiceName, method.Name);
        }
    }

    public Task<Metadata> ResponseHeadersAsync => _headers.Task;

    public Status GetStatus() => _status ?? throw new InvalidOperationException("The call has not finished yet.");

    public Metadata GetTrailers() => _trailers ?? throw new InvalidOperationException("The call has not finished yet.");

    public IClientStreamWriter<TRequest> RequestStream => new RequestWriter(this);

    /// <summary>Starts a call whose request is one message.</summary>
    public void StartUnaryRequest(TRequest request)
    {
        var frame = MessageFraming.ToFrame(request, _options.CompressRequest, _channel.Options.MaxSendMessageSize);
        var content = new ByteArrayContent(frame);
        content.Headers.ContentType = GrpcMediaType;
        Start(content);
    }

    /// <summary>Starts a call whose requests are written later through <see cref="RequestStream"/>.</summary>
    public void StartStreamingRequest()
    {
        // Capacity 1: a write completes about when the message is handed to HTTP/2, which gives back-pressure.
        _requestStream = Channel.CreateBounded<TRequest>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        var content = new StreamingContent(this);
        content.Headers.ContentType = GrpcMediaType;
        Start(content);
    }

    public async Task<TResponse> ReadSingleResponseAsync()
    {
        await using var _ = _cancellation.Token.Register(static s => ((ClientCall<TRequest, TResponse>)s!).Abort(), this).ConfigureAwait(false);
        try
        {
            if (!await EnsureResponseAsync().ConfigureAwait(false))
            {
                throw Finish(_status!.Value);
            }

            var message = await ReadMessageAsync().ConfigureAwait(false);
            if (message is null)
            {
                var status = ReadStatusFromTrailers();
                throw Finish(status.StatusCode == StatusCode.OK
                    ? new Status(StatusCode.Internal, "The server sent no response message.")
                    : status);
            }

            if (await ReadMessageAsync().ConfigureAwait(false) is not null)
            {
                throw Finish(new Status(StatusCode.Internal, "The server sent more than one response message to a unary call."));
            }

            var end = ReadStatusFromTrailers();
            if (end.StatusCode != StatusCode.OK)
            {
                throw Finish(end);
            }

            Finish(end);
            return message;
        }
        catch (Exception ex) when (ex is not RpcException || _status is null)
        {
            throw Finish(ToStatus(ex), ex);
        }
    }

    public async IAsyncEnumerable<TResponse> ReadAllResponsesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var _ = _cancellation.Token.Register(static s => ((ClientCall<TRequest, TResponse>)s!).Abort(), this).ConfigureAwait(false);
        await using var __ = cancellationToken.Register(static s => ((ClientCall<TRequest, TResponse>)s!).Cancel(), this).ConfigureAwait(false);
        if (!await GuardAsync(EnsureResponseAsync()).ConfigureAwait(false))
        {
            // Trailers-only: a stream that ended with no messages is a normal end when its status is OK.
            if (_status!.Value.StatusCode == StatusCode.OK)
            {
                yield break;
            }

            throw Finish(_status.Value);
        }

        while (true)
        {
            var message = await GuardAsync(ReadMessageAsync().AsTask()).ConfigureAwait(false);
            if (message is null)
            {
                break;
            }

            yield return message;
        }

        var status = ReadStatusFromTrailers();
        if (status.StatusCode != StatusCode.OK)
        {
            throw Finish(status);
        }

        Finish(status);
    }

    /// <summary>Cancels the call: the server sees RST_STREAM, the caller sees CANCELLED.</summary>
    public void Cancel() => _cancellation.Cancel();

    public void Dispose()
    {
        if (_status is null)
        {
            // Disposing an unfinished call cancels it, so that no stream stays open behind the caller's back.
            _cancellation.Cancel();
            Finish(new Status(StatusCode.Cancelled, "Call disposed before it finished."));
        }

        _response?.Dispose();
        _cancellation.Dispose();
        _deadline?.Dispose();
    }

    private async Task<T> GuardAsync<T>(Task<T> task)
    {
        try
        {
            return await task.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RpcException || _status is null)
        {
            throw Finish(ToStatus(ex), ex);
        }
    }

    private void Start(HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_channel.Address, _method.Path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        var headers = request.Headers;
        headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        headers.UserAgent.Add(UserAgent);
        headers.TryAddWithoutValidation(GrpcProtocol.AcceptEncodingHeader, GrpcProtocol.SupportedEncodings);
        if (_options.CompressRequest)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.EncodingHeader, GrpcProtocol.GzipEncoding);
        }

        if (_options.Deadline is { } deadline)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcProtocol.FormatTimeout(deadline - DateTime.UtcNow));
        }

        _send = SendAsync(request, _options.Headers);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, Metadata? userHeaders)
    {
        var metadata = new Metadata();
        if (userHeaders is not null)
        {
            foreach (var entry in userHeaders)
            {
                metadata.Add(entry);
            }
        }

        if (_channel.Options.MetadataProvider is { } provider)
        {
            await provider(metadata, _cancellation.Token).ConfigureAwait(false);
        }

        foreach (var entry in metadata)
        {
            request.Headers.TryAddWithoutValidation(entry.Key, entry.WireValue);
        }

        return await _channel.Invoker.SendAsync(request, _cancellation.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts reading the response headers now, so that <see cref="ResponseHeadersAsync"/> completes as soon as they
    /// arrive, before the caller reads any message (streaming calls).
    /// </summary>
    public void ObserveResponseHeaders() =>
        EnsureResponseAsync().ContinueWith(static t => _ = t.Exception, CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>Waits for the response headers, once. False when the response was trailers-only (the status is then known).</summary>
    private Task<bool> EnsureResponseAsync() => _responseReady ??= ReadResponseHeadersAsync();

    private async Task<bool> ReadResponseHeadersAsync()
    {
        if (_status is not null)
        {
            return false;
        }

        var response = _response = await _send!.ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            Finish(new Status(GrpcProtocol.FromHttpStatus((int)response.StatusCode),
                $"Bad gRPC response. HTTP status code: {(int)response.StatusCode}."));
            _headers.TrySetResult(new Metadata());
            return false;
        }

        var metadata = ReadMetadata(response.Headers);
        if (response.Headers.TryGetValues(GrpcProtocol.StatusHeader, out var statusValues))
        {
            // Trailers-only: the headers are also the trailers.
            _headers.TrySetResult(metadata);
            _trailers = metadata;
            Finish(new Status((StatusCode)GrpcProtocol.ParseStatusCode(statusValues.FirstOrDefault()),
                GrpcProtocol.DecodeStatusMessage(Single(response.Headers, GrpcProtocol.MessageHeader))));
            return false;
        }

        var contentType = response.Content.Headers.ContentType?.MediaType;
        if (contentType is null || !contentType.StartsWith(GrpcProtocol.ContentType, StringComparison.OrdinalIgnoreCase))
        {
            _headers.TrySetResult(metadata);
            Finish(new Status(StatusCode.Internal, $"Bad gRPC response. Invalid content-type value: {contentType ?? "(none)"}."));
            return false;
        }

        _responseEncoding = Single(response.Headers, GrpcProtocol.EncodingHeader);
        _headers.TrySetResult(metadata);
        var stream = await response.Content.ReadAsStreamAsync(_cancellation.Token).ConfigureAwait(false);
        _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024));
        return true;
    }

    private ValueTask<TResponse?> ReadMessageAsync() =>
        MessageFraming.ReadMessageAsync(_reader!, _method.ResponseParser, _channel.Options.MaxReceiveMessageSize, _responseEncoding, _cancellation.Token);

    private Status ReadStatusFromTrailers()
    {
        var trailing = _response!.TrailingHeaders;
        _trailers = ReadMetadata(trailing);
        if (!trailing.TryGetValues(GrpcProtocol.StatusHeader, out var values))
        {
            return new Status(StatusCode.Internal, "No grpc-status found on response.");
        }

        return new Status((StatusCode)GrpcProtocol.ParseStatusCode(values.FirstOrDefault()),
            GrpcProtocol.DecodeStatusMessage(Single(trailing, GrpcProtocol.MessageHeader)));
    }

    private Status ToStatus(Exception ex)
    {
        if (_status is { } known)
        {
            return known;
        }

        if (_cancellation.IsCancellationRequested)
        {
            return _deadline is { IsCancellationRequested: true } && !_options.CancellationToken.IsCancellationRequested
                ? new Status(StatusCode.DeadlineExceeded, "Deadline exceeded.")
                : new Status(StatusCode.Cancelled, "Call cancelled.");
        }

        return ex switch
        {
            RpcException rpc => rpc.Status,
            HttpProtocolException protocol => new Status(protocol.ErrorCode switch
            {
                0x8 => StatusCode.Cancelled,
                0x7 or 0xB => StatusCode.Unavailable,
                _ => StatusCode.Internal,
            }, $"HTTP/2 error from {_channel.Address.Authority}: {protocol.Message}"),
            HttpRequestException request => new Status(StatusCode.Unavailable,
                $"Error connecting to {_channel.Address.Authority}: {request.Message}"),
            IOException io => new Status(StatusCode.Unavailable, $"Connection to {_channel.Address.Authority} failed: {io.Message}"),
            OperationCanceledException => new Status(StatusCode.Cancelled, "Call cancelled."),
            _ => new Status(StatusCode.Internal, $"Error in the gRPC client: {ex.Message}"),
        };
    }

    private RpcException Finish(Status status, Exception? inner = null)
    {
        if (_status is null)
        {
            _status = status;
            _trailers ??= new Metadata();
            _headers.TrySetResult(new Metadata());
            GrpcTelemetry.SetStatus(_activity, status.StatusCode);
            GrpcTelemetry.ClientDuration.Record(Stopwatch.GetElapsedTime(_started).TotalMilliseconds,
                GrpcTelemetry.Tags(_method.ServiceName, _method.Name, status.StatusCode));
            _activity?.Dispose();
            if (status.StatusCode != StatusCode.OK)
            {
                _requestStream?.Writer.TryComplete();
            }

            // Releases the HTTP/2 stream at once; if the server is still sending, it gets RST_STREAM(CANCEL), so its
            // handler stops instead of working for a caller that has gone.
            _response?.Dispose();
        }

        return new RpcException(_status.Value, _trailers, inner);
    }

    private void Abort()
    {
        _requestStream?.Writer.TryComplete();
        _reader?.CancelPendingRead();
    }

    private static Metadata ReadMetadata(HttpHeaders headers)
    {
        var metadata = new Metadata();
        foreach (var header in headers)
        {
            foreach (var value in header.Value)
            {
                GrpcProtocol.AddReceived(metadata, header.Key, value);
            }
        }

        return metadata;
    }

    private static string? Single(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private sealed class RequestWriter(ClientCall<TRequest, TResponse> call) : IClientStreamWriter<TRequest>
    {
        public async Task WriteAsync(TRequest message, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(message);
            if (call._status is { } status && status.StatusCode != StatusCode.OK)
            {
                throw new RpcException(status, call._trailers);
            }

            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, call._cancellation.Token);
            try
            {
                await call._requestStream!.Writer.WriteAsync(message, linked.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ChannelClosedException or OperationCanceledException)
            {
                throw new RpcException(call._status ?? call.ToStatus(ex), call._trailers);
            }
        }

        public Task CompleteAsync()
        {
            call._requestStream!.Writer.TryComplete();
            return Task.CompletedTask;
        }
    }

    /// <summary>Request content that streams messages as the caller writes them (HTTP/2 full duplex).</summary>
    private sealed class StreamingContent(ClientCall<TRequest, TResponse> call) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            var writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
            var reader = call._requestStream!.Reader;
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (reader.TryRead(out var message))
                {
                    MessageFraming.WriteMessage(writer, message, call._options.CompressRequest, call._channel.Options.MaxSendMessageSize);
                }

                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            await writer.CompleteAsync().ConfigureAwait(false);
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}

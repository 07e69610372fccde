using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Polly;
using Polly.Retry;

namespace HybridEhr.Clients.CouchDb;

/// <summary>HTTP plumbing shared by the client and its databases: pooling, auth, retries, error mapping.</summary>
internal sealed class CouchDbTransport : IDisposable
{
    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json") { CharSet = "utf-8" };

    private readonly HttpClient _http;
    private readonly ResiliencePipeline<HttpResponseMessage> _safeRetry;
    private readonly ResiliencePipeline<HttpResponseMessage> _connectRetry;

    public CouchDbTransport(CouchDbOptions options, HttpMessageHandler? handler)
    {
        Options = options;
        handler ??= new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            MaxConnectionsPerServer = options.MaxConnectionsPerServer,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            AutomaticDecompression = DecompressionMethods.None,
        };
        var root = options.ServerUri.AbsoluteUri.EndsWith('/') ? options.ServerUri : new Uri(options.ServerUri.AbsoluteUri + "/");
        // Timeouts are per call (RequestTimeout) or by cancellation, so that feeds and large bodies are not cut off.
        _http = new HttpClient(handler) { BaseAddress = root, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (options.Username is not null)
        {
            var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.Username}:{options.Password}"));
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", token);
        }

        // Reads and idempotent writes may be repeated after any transient failure; other writes only when the
        // connection was never made, because the first attempt might otherwise have been applied.
        _safeRetry = BuildRetry(options, static outcome =>
            outcome.Exception is HttpRequestException || (outcome.Result is { } response && IsTransientStatus(response.StatusCode)));
        _connectRetry = BuildRetry(options, static outcome =>
            outcome.Exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError });
    }

    public CouchDbOptions Options { get; }

    public static bool IsTransientStatus(HttpStatusCode status) => status is HttpStatusCode.RequestTimeout
        or HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable
        or HttpStatusCode.GatewayTimeout;

    public static HttpContent JsonContent(JsonNode body)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body));
        content.Headers.ContentType = JsonMediaType;
        return content;
    }

    /// <summary>Sends a request built afresh for each attempt; the caller owns (and must dispose) the response.</summary>
    public async Task<HttpResponseMessage> SendAsync(
        Func<HttpRequestMessage> build, RetryMode retry, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        if (retry == RetryMode.None)
        {
            using var request = build();
            return await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        }

        var pipeline = retry == RetryMode.Safe ? _safeRetry : _connectRetry;
        return await pipeline.ExecuteAsync(
            async token =>
            {
                using var request = build();
                return await _http.SendAsync(request, completion, token).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A buffered JSON call bounded by <see cref="CouchDbOptions.RequestTimeout"/>; errors become typed exceptions.</summary>
    public async Task<JsonElement> SendJsonAsync(
        HttpMethod method, string path, JsonNode? body, RetryMode retry, CancellationToken cancellationToken,
        TimeSpan? timeout = null)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout ?? Options.RequestTimeout);
        try
        {
            using var response = await SendAsync(
                () => new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent(body) },
                retry, HttpCompletionOption.ResponseContentRead, timeoutSource.Token).ConfigureAwait(false);
            await EnsureSuccessAsync(response, timeoutSource.Token).ConfigureAwait(false);
            var bytes = await response.Content.ReadAsByteArrayAsync(timeoutSource.Token).ConfigureAwait(false);
            if (bytes.Length == 0)
            {
                return default;
            }

            using var document = JsonDocument.Parse(bytes);
            return document.RootElement.Clone();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"CouchDB {method} {path} did not answer within {timeout ?? Options.RequestTimeout}.");
        }
    }

    /// <summary>Turns a non-success answer into the matching typed exception, using CouchDB's error body when present.</summary>
    public static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        string error = response.StatusCode.ToString(), reason = response.ReasonPhrase ?? "";
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                error = ReadString(document.RootElement, "error") ?? error;
                reason = ReadString(document.RootElement, "reason") ?? reason;
            }
        }
        catch (JsonException)
        {
            reason = string.IsNullOrWhiteSpace(text) ? reason : text;
        }

        throw CouchDbException.For(response.StatusCode, error, reason);
    }

    public static string? ReadString(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    public void Dispose() => _http.Dispose();

    private static ResiliencePipeline<HttpResponseMessage> BuildRetry(
        CouchDbOptions options, Func<Outcome<HttpResponseMessage>, bool> isTransient)
    {
        if (options.MaxRetryAttempts <= 0)
        {
            return ResiliencePipeline<HttpResponseMessage>.Empty;
        }

        return new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.MaxRetryAttempts,
                Delay = options.RetryBaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is not OperationCanceledException && isTransient(args.Outcome)),
            })
            .Build();
    }
}

/// <summary>Which failures a request may be repeated after.</summary>
internal enum RetryMode
{
    /// <summary>Never (streamed bodies cannot be replayed; feeds resume on their own).</summary>
    None,

    /// <summary>Only when no connection was made: the server cannot have seen the request.</summary>
    ConnectOnly,

    /// <summary>After any transient failure: reads and idempotent writes.</summary>
    Safe,
}

using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Polly;
using Polly.Retry;

namespace HybridEhr.Clients.Ipfs;

/// <summary>
/// The RPC calls an image store needs. One instance per node, shared (it pools connections). Calls that may have
/// to find content always carry a timeout, because a node looks for missing content forever otherwise.
/// </summary>
public sealed class IpfsClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly ResiliencePipeline<HttpResponseMessage> _safeRetry;
    private readonly ResiliencePipeline<HttpResponseMessage> _connectRetry;

    public IpfsClient(IpfsOptions options, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        handler ??= new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            MaxConnectionsPerServer = options.MaxConnectionsPerServer,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        var root = options.ApiUri.AbsoluteUri.TrimEnd('/') + "/api/v0/";
        _http = new HttpClient(handler) { BaseAddress = new Uri(root), Timeout = Timeout.InfiniteTimeSpan };
        _safeRetry = BuildRetry(options, static outcome => outcome.Exception is HttpRequestException
            || outcome.Result?.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout);
        _connectRetry = BuildRetry(options, static outcome =>
            outcome.Exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError });
    }

    public IpfsOptions Options { get; }

    public async Task<IpfsVersion> GetVersionAsync(CancellationToken cancellationToken = default)
    {
        var json = await CallJsonAsync("version", null, _safeRetry, cancellationToken).ConfigureAwait(false);
        return new IpfsVersion(ReadString(json, "Version") ?? "", ReadString(json, "Commit"), ReadString(json, "Repo"), ReadString(json, "System"));
    }

    public async Task<IpfsIdentity> GetIdentityAsync(CancellationToken cancellationToken = default)
    {
        var json = await CallJsonAsync("id", null, _safeRetry, cancellationToken).ConfigureAwait(false);
        var addresses = json.TryGetProperty("Addresses", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(address => address.GetString() ?? "").ToList()
            : [];
        return new IpfsIdentity(ReadString(json, "ID") ?? ReadString(json, "Id") ?? "", ReadString(json, "PublicKey"), addresses,
            ReadString(json, "AgentVersion"));
    }

    /// <summary>
    /// Streams content in as one file (never buffered whole) and returns its root CID (v1, base32). Bounded by
    /// cancellation only, since a large upload has no natural deadline.
    /// </summary>
    public async Task<IpfsAddResult> AddAsync(
        Stream content, string name = "file", IpfsAddOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        options ??= new IpfsAddOptions();
        var path = "add" + Query(
            ("cid-version", "1"), ("cid-base", "base32"), ("pin", Flag(options.Pin)), ("raw-leaves", Flag(options.RawLeaves)),
            ("only-hash", Flag(options.OnlyHash)), ("progress", "false"));
        var file = new StreamContent(content, 262144);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        // Written by hand (quoted, no filename*): js-ipfs misread .NET's default form and named the entry by its CID.
        file.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "\"file\"", FileName = QuotedName(name) };
        using var form = new MultipartFormDataContent { file };
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = form };
        // A stream cannot be replayed, so add is never retried.
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        // The answer is one JSON object per added entry; the last one is the root.
        IpfsAddResult? root = null;
        foreach (var line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            using var entry = JsonDocument.Parse(line);
            ThrowIfErrorObject(entry.RootElement, response.StatusCode);
            if (ReadString(entry.RootElement, "Hash") is { } hash)
            {
                root = new IpfsAddResult(CidText.Normalize(hash), ReadString(entry.RootElement, "Name") ?? name, ReadSize(entry.RootElement, "Size"));
            }
        }

        return root ?? throw new IpfsException("The node answered add without a CID: " + body, response.StatusCode);
    }

    /// <summary>
    /// Streams content out. <paramref name="timeout"/> bounds finding the content and each pause while reading;
    /// missing content ends in <see cref="IpfsTimeoutException"/>. Dispose the stream to release the connection.
    /// </summary>
    public async Task<Stream> CatAsync(string cid, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(cid);
        var limit = timeout ?? Options.ContentTimeout;
        var response = await SendContentCallAsync("cat" + Query(("arg", cid), ("timeout", Duration(limit))), limit, cancellationToken)
            .ConfigureAwait(false);
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return new IpfsContentStream(response, stream, limit);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>Pins recursively (fetching the content if needed, within the timeout); returns the pinned CIDs.</summary>
    public async Task<IReadOnlyList<string>> PinAddAsync(string cid, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var limit = timeout ?? Options.ContentTimeout;
        var json = await CallJsonAsync("pin/add" + Query(("arg", cid), ("recursive", "true"), ("timeout", Duration(limit))), limit, _safeRetry,
            cancellationToken).ConfigureAwait(false);
        return ReadPins(json);
    }

    /// <summary>Unpins; <see cref="IpfsNotPinnedException"/> when it was not pinned.</summary>
    public async Task<IReadOnlyList<string>> PinRemoveAsync(string cid, CancellationToken cancellationToken = default)
    {
        var json = await CallJsonAsync("pin/rm" + Query(("arg", cid), ("recursive", "true")), null, _connectRetry, cancellationToken)
            .ConfigureAwait(false);
        return ReadPins(json);
    }

    /// <summary>Pins of a type, or the pin of one CID (an unpinned CID gives <see cref="IpfsNotPinnedException"/>).</summary>
    public async Task<IReadOnlyList<PinnedContent>> PinListAsync(
        string? cid = null, PinType type = PinType.All, CancellationToken cancellationToken = default)
    {
        var path = "pin/ls" + Query(("arg", cid), ("type", type.ToString().ToLowerInvariant()));
        var body = await CallTextAsync(path, null, _safeRetry, cancellationToken).ConfigureAwait(false);
        var pins = new List<PinnedContent>();
        foreach (var line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.TryGetProperty("Keys", out var keys) && keys.ValueKind == JsonValueKind.Object)
            {
                // Kubo's (and js-ipfs's non-streaming) shape: {"Keys": {"<cid>": {"Type": "recursive"}}}
                pins.AddRange(keys.EnumerateObject().Select(key => new PinnedContent(CidText.Normalize(key.Name), ReadString(key.Value, "Type") ?? "")));
            }
            else if (ReadString(root, "Cid") is { } pinned)
            {
                // The streaming shape: one {"Cid": "...", "Type": "..."} per line.
                pins.Add(new PinnedContent(CidText.Normalize(pinned), ReadString(root, "Type") ?? ""));
            }
        }

        return pins;
    }

    public async Task<IpfsBlockStat> BlockStatAsync(string cid, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var limit = timeout ?? Options.ContentTimeout;
        var json = await CallJsonAsync("block/stat" + Query(("arg", cid), ("timeout", Duration(limit))), limit, _safeRetry, cancellationToken)
            .ConfigureAwait(false);
        return new IpfsBlockStat(CidText.Normalize(ReadString(json, "Key") ?? cid), ReadSize(json, "Size"));
    }

    public void Dispose() => _http.Dispose();

    private async Task<JsonElement> CallJsonAsync(
        string path, TimeSpan? timeout, ResiliencePipeline<HttpResponseMessage> retry, CancellationToken cancellationToken)
    {
        var body = await CallTextAsync(path, timeout, retry, cancellationToken).ConfigureAwait(false);
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    private async Task<string> CallTextAsync(
        string path, TimeSpan? timeout, ResiliencePipeline<HttpResponseMessage> retry, CancellationToken cancellationToken)
    {
        var limit = (timeout ?? Options.RequestTimeout) + TimeSpan.FromSeconds(1);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(limit);
        try
        {
            using var response = await retry.ExecuteAsync(
                async token =>
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, path);
                    return await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, token).ConfigureAwait(false);
                },
                bounded.Token).ConfigureAwait(false);
            await EnsureSuccessAsync(response, bounded.Token).ConfigureAwait(false);
            return await response.Content.ReadAsStringAsync(bounded.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IpfsTimeoutException($"IPFS {path} did not answer within {limit}.", e);
        }
        catch (HttpRequestException e)
        {
            throw new IpfsException($"IPFS {path} failed: {e.Message}", null, e);
        }
    }

    /// <summary>Sends a content call and returns once headers arrive (within the timeout); the caller owns the response.</summary>
    private async Task<HttpResponseMessage> SendContentCallAsync(string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // The server gets the same timeout; ours is a little longer so that its clearer error usually wins.
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout + TimeSpan.FromSeconds(1));
        try
        {
            var response = await _safeRetry.ExecuteAsync(
                async token =>
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, path);
                    return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
                },
                bounded.Token).ConfigureAwait(false);
            try
            {
                await EnsureSuccessAsync(response, bounded.Token).ConfigureAwait(false);
                return response;
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IpfsTimeoutException($"IPFS {path} found no content within {timeout}.", e);
        }
        catch (HttpRequestException e)
        {
            throw new IpfsException($"IPFS {path} failed: {e.Message}", null, e);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new IpfsException($"IPFS {request.RequestUri} failed: {e.Message}", null, e);
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var message = text;
        try
        {
            using var document = JsonDocument.Parse(text);
            message = ReadString(document.RootElement, "Message") ?? text;
        }
        catch (JsonException)
        {
            // Not JSON (e.g. a proxy's page): keep the text.
        }

        throw IpfsException.For(response.StatusCode, string.IsNullOrWhiteSpace(message) ? response.ReasonPhrase ?? "error" : message);
    }

    private static void ThrowIfErrorObject(JsonElement element, HttpStatusCode status)
    {
        if (ReadString(element, "Type") == "error" && ReadString(element, "Message") is { } message)
        {
            throw IpfsException.For(status, message);
        }
    }

    private static IReadOnlyList<string> ReadPins(JsonElement json) =>
        json.TryGetProperty("Pins", out var pins) && pins.ValueKind == JsonValueKind.Array
            ? [.. pins.EnumerateArray().Select(pin => CidText.Normalize(pin.ValueKind == JsonValueKind.String ? pin.GetString()! : ReadString(pin, "/") ?? pin.GetRawText()))]
            : [];

    internal static string? ReadString(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary>Kubo sends sizes as strings, js-ipfs as numbers.</summary>
    internal static long ReadSize(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value))
        {
            return 0;
        }

        return value.ValueKind == JsonValueKind.Number
            ? value.GetInt64()
            : long.Parse(value.GetString() ?? "0", NumberStyles.None, CultureInfo.InvariantCulture);
    }

    /// <summary>A Go-style duration that Kubo and js-ipfs both accept.</summary>
    private static string Duration(TimeSpan timeout) =>
        ((long)Math.Max(1, timeout.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture) + "ms";

    private static string QuotedName(string name) => "\"" + Uri.EscapeDataString(name) + "\"";

    private static string? Flag(bool value) => value ? "true" : "false";

    private static string Query(params ReadOnlySpan<(string Name, string? Value)> parameters)
    {
        var builder = new StringBuilder();
        foreach (var (name, value) in parameters)
        {
            if (value is not null)
            {
                builder.Append(builder.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
            }
        }

        return builder.ToString();
    }

    private static ResiliencePipeline<HttpResponseMessage> BuildRetry(
        IpfsOptions options, Func<Outcome<HttpResponseMessage>, bool> isTransient) =>
        options.MaxRetryAttempts <= 0
            ? ResiliencePipeline<HttpResponseMessage>.Empty
            : new ResiliencePipelineBuilder<HttpResponseMessage>()
                .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
                {
                    MaxRetryAttempts = options.MaxRetryAttempts,
                    Delay = options.RetryBaseDelay,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    ShouldHandle = args => ValueTask.FromResult(isTransient(args.Outcome)),
                })
                .Build();
}

using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace HybridEhr.Clients.CouchDb;

public sealed partial class CouchDatabase
{
    private static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Reads <c>_changes</c>. Normal: the changes so far, then ends. Longpoll: keeps polling until cancelled.
    /// Continuous: one open response until the server closes it; a silent link (no heartbeat) throws
    /// <see cref="IOException"/>. Resume by passing the last <see cref="DocumentChange.Seq"/> as <see cref="ChangesRequest.Since"/>.
    /// </summary>
    public IAsyncEnumerable<DocumentChange> ChangesAsync(ChangesRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Feed switch
        {
            ChangesFeedMode.Normal => NormalChangesAsync(request, cancellationToken),
            ChangesFeedMode.Longpoll => LongpollChangesAsync(request, cancellationToken),
            _ => ContinuousChangesAsync(request, cancellationToken),
        };
    }

    /// <summary>
    /// Follows the feed (continuous, or longpoll if asked) until cancelled, reconnecting from the last sequence seen
    /// after the server goes away, with a capped backoff. No change is lost ("now" is resolved to a sequence first);
    /// one may be seen twice after a reconnect.
    /// </summary>
    public async IAsyncEnumerable<DocumentChange> FollowChangesAsync(
        ChangesRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var current = request.Feed == ChangesFeedMode.Normal ? request with { Feed = ChangesFeedMode.Continuous } : request;
        if (current.Since == "now")
        {
            // "now" is pinned to a real sequence once, so that a reconnect does not skip what happened meanwhile.
            current = current with { Since = (await GetInfoAsync(cancellationToken).ConfigureAwait(false)).UpdateSequence };
        }

        var delay = TimeSpan.FromMilliseconds(100);
        while (!cancellationToken.IsCancellationRequested)
        {
            var enumerator = ChangesAsync(current, cancellationToken).GetAsyncEnumerator(cancellationToken);
            try
            {
                while (true)
                {
                    bool hasNext;
                    try
                    {
                        hasNext = await enumerator.MoveNextAsync().ConfigureAwait(false);
                    }
                    catch (Exception e) when (IsTransientFeedFailure(e, cancellationToken))
                    {
                        break;
                    }

                    if (!hasNext)
                    {
                        break;
                    }

                    delay = TimeSpan.FromMilliseconds(100);
                    current = current with { Since = enumerator.Current.Seq };
                    yield return enumerator.Current;
                }
            }
            finally
            {
                await enumerator.DisposeAsync().ConfigureAwait(false);
            }

            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxReconnectDelay.Ticks));
        }
    }

    private async IAsyncEnumerable<DocumentChange> NormalChangesAsync(
        ChangesRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var result = await _transport.SendJsonAsync(HttpMethod.Get, ChangesPath(request, "normal"), null, RetryMode.Safe, cancellationToken)
            .ConfigureAwait(false);
        foreach (var row in result.GetProperty("results").EnumerateArray())
        {
            yield return ReadChange(row);
        }
    }

    private async IAsyncEnumerable<DocumentChange> LongpollChangesAsync(
        ChangesRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var dialect = await _dialect(cancellationToken).ConfigureAwait(false);
        var since = request.Since;
        while (true)
        {
            var path = ChangesPath(request with { Since = since }, "longpoll");
            // The server should answer empty after its timeout; one that does not is cut off a little later.
            var wait = request.LongpollTimeout + (dialect.HonoursLongpollTimeout ? TimeSpan.FromSeconds(10) : TimeSpan.Zero);
            JsonElement result;
            try
            {
                result = await _transport.SendJsonAsync(HttpMethod.Get, path, null, RetryMode.Safe, cancellationToken, wait)
                    .ConfigureAwait(false);
            }
            catch (TimeoutException) when (!dialect.HonoursLongpollTimeout)
            {
                continue;
            }

            foreach (var row in result.GetProperty("results").EnumerateArray())
            {
                yield return ReadChange(row);
            }

            if (CouchDbClient.Optional(result, "last_seq") is { } last)
            {
                since = ReadSequence(last);
            }
        }
    }

    private async IAsyncEnumerable<DocumentChange> ContinuousChangesAsync(
        ChangesRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var headersTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        headersTimeout.CancelAfter(_transport.Options.RequestTimeout);
        using var response = await _transport.SendAsync(
            () => new HttpRequestMessage(HttpMethod.Get, ChangesPath(request, "continuous")),
            RetryMode.None, HttpCompletionOption.ResponseHeadersRead, headersTimeout.Token).ConfigureAwait(false);
        headersTimeout.CancelAfter(Timeout.InfiniteTimeSpan); // from here the heartbeat watchdog guards the link
        await CouchDbTransport.EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(stream);
        var silenceLimit = request.Heartbeat * 2 + TimeSpan.FromSeconds(1);
        while (true)
        {
            string? line;
            using (var silence = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                silence.CancelAfter(silenceLimit);
                try
                {
                    line = await reader.ReadLineAsync(silence.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new IOException($"No heartbeat from the changes feed of {Name} for {silenceLimit}.");
                }
            }

            if (line is null)
            {
                yield break;
            }

            if (line.Length == 0)
            {
                continue; // heartbeat
            }

            using var document = JsonDocument.Parse(line);
            var row = document.RootElement;
            if (row.TryGetProperty("last_seq", out _) && !row.TryGetProperty("id", out _))
            {
                yield break;
            }

            yield return ReadChange(row);
        }
    }

    private string ChangesPath(ChangesRequest request, string feed)
    {
        var heartbeat = feed == "continuous" ? ((long)request.Heartbeat.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) : null;
        var timeout = feed == "longpoll" ? ((long)request.LongpollTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) : null;
        return _path + "_changes" + Query(
            ("feed", feed),
            ("since", request.Since),
            ("include_docs", request.IncludeDocs ? "true" : null),
            ("limit", request.Limit?.ToString(CultureInfo.InvariantCulture)),
            ("heartbeat", heartbeat),
            ("timeout", timeout),
            ("filter", request.DocumentIds is null ? null : "_doc_ids"),
            ("doc_ids", request.DocumentIds is null ? null : JsonSerializer.Serialize(request.DocumentIds)));
    }

    private static DocumentChange ReadChange(JsonElement row) => new(
        ReadSequence(row.GetProperty("seq")),
        row.GetProperty("id").GetString()!,
        row.TryGetProperty("changes", out var changes)
            ? [.. changes.EnumerateArray().Select(change => CouchDbTransport.ReadString(change, "rev") ?? "")]
            : [],
        row.TryGetProperty("deleted", out var deleted) && deleted.ValueKind == JsonValueKind.True,
        CouchDbClient.Optional(row, "doc")?.Clone());

    /// <summary>Sequences are opaque strings on CouchDB 3 and integers on pouchdb-server; both are kept as text.</summary>
    private static string ReadSequence(JsonElement seq) =>
        seq.ValueKind == JsonValueKind.String ? seq.GetString()! : seq.GetRawText();

    private static bool IsTransientFeedFailure(Exception e, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && e switch
        {
            HttpRequestException or IOException or TimeoutException => true,
            OperationCanceledException => true, // a header wait cut short by our own timeout
            CouchDbException { StatusCode: { } status } => CouchDbTransport.IsTransientStatus(status),
            _ => false,
        };
}

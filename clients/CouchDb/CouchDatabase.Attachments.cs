using System.Net.Http.Headers;

namespace HybridEhr.Clients.CouchDb;

public sealed partial class CouchDatabase
{
    /// <summary>
    /// Streams an attachment up (never buffered whole). Not retried, because a stream cannot be replayed; the
    /// returned revision is the document's new one.
    /// </summary>
    public async Task<DocumentRevision> PutAttachmentAsync(
        string id, string rev, string name, Stream content, string contentType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrEmpty(name);
        using var response = await _transport.SendAsync(
            () =>
            {
                var body = new StreamContent(content, 81920);
                body.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
                if (content.CanSeek)
                {
                    body.Headers.ContentLength = content.Length - content.Position;
                }

                return new HttpRequestMessage(HttpMethod.Put, AttachmentPath(id, name) + Query(("rev", rev))) { Content = body };
            },
            RetryMode.None, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        await CouchDbTransport.EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        using var result = await System.Text.Json.JsonDocument.ParseAsync(
            await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), cancellationToken: cancellationToken).ConfigureAwait(false);
        return ReadRevision(result.RootElement);
    }

    /// <summary>Streams an attachment down; dispose the result to release the connection.</summary>
    public async Task<AttachmentContent> GetAttachmentAsync(
        string id, string name, string? rev = null, CancellationToken cancellationToken = default)
    {
        var response = await _transport.SendAsync(
            () =>
            {
                // Any type: the default Accept of application/json must not ask the server to convert the body.
                var request = new HttpRequestMessage(HttpMethod.Get, AttachmentPath(id, name) + Query(("rev", rev)));
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("*/*"));
                return request;
            },
            RetryMode.Safe, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        try
        {
            await CouchDbTransport.EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return new AttachmentContent(response, stream);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    public async Task<DocumentRevision> DeleteAttachmentAsync(
        string id, string rev, string name, CancellationToken cancellationToken = default)
    {
        var result = await _transport.SendJsonAsync(
            HttpMethod.Delete, AttachmentPath(id, name) + Query(("rev", rev)), null, RetryMode.ConnectOnly, cancellationToken)
            .ConfigureAwait(false);
        return ReadRevision(result);
    }

    private string AttachmentPath(string id, string name) => DocumentPath(id) + "/" + Uri.EscapeDataString(name);
}

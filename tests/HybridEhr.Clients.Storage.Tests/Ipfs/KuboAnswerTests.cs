using System.Net;
using System.Text;
using HybridEhr.Clients.Ipfs;
using Xunit;

namespace HybridEhr.Clients.Storage.Tests.Ipfs;

/// <summary>
/// Kubo's answers where they differ from js-ipfs (sizes as strings, errors only Kubo sends, the X-Stream-Error
/// trailer), replayed from Kubo's documented RPC shapes; js-ipfs itself is covered by <see cref="IpfsTests"/>.
/// </summary>
public sealed class KuboAnswerTests
{
    private const string Cid = "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am";

    [Fact]
    public async Task Sizes_sent_as_strings_are_read()
    {
        using var client = Client(_ => Ok($$"""{"Name":"x.png","Hash":"{{Cid}}","Size":"5242880"}""" + "\n"));

        var added = await client.AddAsync(new MemoryStream([1, 2, 3]), "x.png");

        Assert.Equal(new IpfsAddResult(Cid, "x.png", 5242880), added);
    }

    [Fact]
    public async Task The_request_asks_for_v1_base32_cids_and_names_the_file()
    {
        HttpRequestMessage? seen = null;
        string? body = null;
        using var client = Client(request =>
        {
            seen = request;
            body = request.Content!.ReadAsStringAsync().GetAwaiter().GetResult();
            return Ok($$"""{"Name":"scan.png","Hash":"{{Cid}}","Size":"3"}""");
        });

        await client.AddAsync(new MemoryStream([1, 2, 3]), "scan.png");

        Assert.Equal(HttpMethod.Post, seen!.Method);
        Assert.Equal("/api/v0/add", seen.RequestUri!.AbsolutePath);
        Assert.Contains("cid-version=1", seen.RequestUri.Query, StringComparison.Ordinal);
        Assert.Contains("cid-base=base32", seen.RequestUri.Query, StringComparison.Ordinal);
        Assert.Contains("pin=true", seen.RequestUri.Query, StringComparison.Ordinal);
        Assert.Contains("filename=\"scan.png\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pin_listings_in_kubos_shape_are_read()
    {
        using var client = Client(_ => Ok("{\"Keys\":{\"" + Cid + "\":{\"Type\":\"recursive\",\"Name\":\"\"}}}"));

        var pins = await client.PinListAsync(Cid);

        Assert.Equal([new PinnedContent(Cid, "recursive")], pins);
    }

    [Theory]
    [InlineData("context deadline exceeded", typeof(IpfsTimeoutException))]
    [InlineData("not pinned or pinned indirectly", typeof(IpfsNotPinnedException))]
    [InlineData("block was not found locally (offline): ipld: could not find " + Cid, typeof(IpfsContentNotFoundException))]
    [InlineData("invalid path \"nope\": invalid cid: selected encoding not supported", typeof(IpfsInvalidArgumentException))]
    [InlineData("something else broke", typeof(IpfsException))]
    public async Task Kubo_errors_become_typed_exceptions(string message, Type expected)
    {
        using var client = Client(_ => new HttpResponseMessage(HttpStatusCode.InternalServerError)
        {
            Content = new StringContent($$"""{"Message":"{{message.Replace("\"", "\\\"", StringComparison.Ordinal)}}","Code":0,"Type":"error"}""",
                Encoding.UTF8, "application/json"),
        });

        var thrown = await Assert.ThrowsAnyAsync<IpfsException>(() => client.BlockStatAsync(Cid));

        Assert.IsType(expected, thrown);
        Assert.Equal(message, thrown.Message);
    }

    [Fact]
    public async Task An_error_after_the_body_began_is_raised_from_the_trailer()
    {
        using var client = Client(_ =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([1, 2, 3]) };
            response.TrailingHeaders.Add("X-Stream-Error", "context deadline exceeded");
            return response;
        });

        await using var content = await client.CatAsync(Cid, TimeSpan.FromSeconds(5));

        await Assert.ThrowsAsync<IpfsTimeoutException>(() => content.CopyToAsync(Stream.Null));
    }

    [Fact]
    public async Task A_body_that_stalls_is_a_timeout()
    {
        using var client = Client(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new StallingStream()) });

        await using var content = await client.CatAsync(Cid, TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAsync<IpfsTimeoutException>(() => content.CopyToAsync(Stream.Null));
    }

    private static IpfsClient Client(Func<HttpRequestMessage, HttpResponseMessage> respond) =>
        new(new IpfsOptions { ApiUri = new Uri("http://kubo.invalid:5001"), MaxRetryAttempts = 0 }, new ScriptedHandler(respond));

    private static HttpResponseMessage Ok(string json) =>
        new(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    private sealed class ScriptedHandler(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(respond(request));
    }

    /// <summary>A body that never delivers a byte, like a node still looking for a block.</summary>
    internal sealed class StallingStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

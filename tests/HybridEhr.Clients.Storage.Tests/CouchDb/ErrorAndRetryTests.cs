using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using HybridEhr.Clients.CouchDb;
using Xunit;

namespace HybridEhr.Clients.Storage.Tests.CouchDb;

/// <summary>
/// Answers pouchdb-server cannot be made to give safely (401/403 need real auth; 503 needs a failing server), scripted
/// with CouchDB's documented error bodies.
/// </summary>
public sealed class ErrorAndRetryTests
{
    private static readonly Uri Server = new("http://couch.invalid:5984/");

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized, "unauthorized", typeof(CouchDbUnauthorizedException))]
    [InlineData(HttpStatusCode.Forbidden, "forbidden", typeof(CouchDbForbiddenException))]
    [InlineData(HttpStatusCode.NotFound, "not_found", typeof(CouchDbNotFoundException))]
    [InlineData(HttpStatusCode.Conflict, "conflict", typeof(CouchDbConflictException))]
    [InlineData(HttpStatusCode.PreconditionFailed, "file_exists", typeof(CouchDbPreconditionFailedException))]
    [InlineData(HttpStatusCode.BadRequest, "bad_request", typeof(CouchDbException))]
    public async Task Error_statuses_become_typed_exceptions_with_the_servers_words(HttpStatusCode status, string error, Type expected)
    {
        var handler = new ScriptedHandler(_ => Json(status, $$"""{"error":"{{error}}","reason":"because"}"""));
        using var client = Client(handler, retries: 0);

        var thrown = await Assert.ThrowsAnyAsync<CouchDbException>(() => client.GetDatabase("db").GetAsync("doc"));

        Assert.IsType(expected, thrown);
        Assert.Equal(status, thrown.StatusCode);
        Assert.Equal(error, thrown.Error);
        Assert.Equal("because", thrown.Reason);
    }

    [Fact]
    public async Task Basic_auth_credentials_from_a_connection_string_are_sent()
    {
        var handler = new ScriptedHandler(_ => Json(HttpStatusCode.OK, """{"_id":"doc","_rev":"1-a"}"""));
        var options = CouchDbOptions.FromConnectionString("http://admin:s%3Acret@couch.invalid:5984");
        using var client = new CouchDbClient(options, handler);

        await client.GetDatabase("db").GetAsync("doc");

        var header = handler.Requests.Single().Headers.Authorization!;
        Assert.Equal("Basic", header.Scheme);
        Assert.Equal("admin:s:cret", Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter!)));
        Assert.Equal("http://couch.invalid:5984/db/doc", handler.Requests.Single().RequestUri!.AbsoluteUri);
    }

    [Fact]
    public async Task Reads_are_retried_after_transient_failures()
    {
        var attempts = 0;
        var handler = new ScriptedHandler(_ => ++attempts switch
        {
            1 => throw new HttpRequestException(HttpRequestError.ConnectionError, "refused"),
            2 => Json(HttpStatusCode.ServiceUnavailable, """{"error":"unavailable","reason":"busy"}"""),
            _ => Json(HttpStatusCode.OK, """{"_id":"doc","_rev":"1-a"}"""),
        });
        using var client = Client(handler, retries: 3);

        var document = await client.GetDatabase("db").GetAsync("doc");

        Assert.Equal("1-a", document.GetProperty("_rev").GetString());
        Assert.Equal(3, attempts);
    }

    [Fact]
    public async Task Writes_are_not_repeated_once_the_server_may_have_seen_them()
    {
        var attempts = 0;
        var handler = new ScriptedHandler(_ =>
        {
            attempts++;
            return Json(HttpStatusCode.ServiceUnavailable, """{"error":"unavailable","reason":"busy"}""");
        });
        using var client = Client(handler, retries: 3);

        await Assert.ThrowsAsync<CouchDbException>(() => client.GetDatabase("db").PutAsync("doc", new JsonObject()));
        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task Writes_are_retried_when_the_connection_was_never_made()
    {
        var attempts = 0;
        var handler = new ScriptedHandler(_ => ++attempts == 1
            ? throw new HttpRequestException(HttpRequestError.ConnectionError, "refused")
            : Json(HttpStatusCode.Created, """{"ok":true,"id":"doc","rev":"1-a"}"""));
        using var client = Client(handler, retries: 3);

        var written = await client.GetDatabase("db").PutAsync("doc", new JsonObject());

        Assert.Equal("1-a", written.Rev);
        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task Client_errors_are_never_retried()
    {
        var attempts = 0;
        var handler = new ScriptedHandler(_ =>
        {
            attempts++;
            return Json(HttpStatusCode.NotFound, """{"error":"not_found","reason":"missing"}""");
        });
        using var client = Client(handler, retries: 3);

        await Assert.ThrowsAsync<CouchDbNotFoundException>(() => client.GetDatabase("db").GetAsync("doc"));
        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task A_server_that_does_not_answer_in_time_is_a_timeout()
    {
        var handler = new ScriptedHandler(_ => throw new InvalidOperationException("unused"), hang: true);
        using var client = new CouchDbClient(
            new CouchDbOptions { ServerUri = Server, MaxRetryAttempts = 0, RequestTimeout = TimeSpan.FromMilliseconds(300) }, handler);

        await Assert.ThrowsAsync<TimeoutException>(() => client.GetDatabase("db").GetAsync("doc"));
    }

    [Fact]
    public async Task A_continuous_feed_that_falls_silent_past_its_heartbeat_is_a_broken_link()
    {
        var handler = new ScriptedHandler(_ => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StreamContent(new Ipfs.KuboAnswerTests.StallingStream()),
        });
        using var client = Client(handler, retries: 0);
        var request = new ChangesRequest { Feed = ChangesFeedMode.Continuous, Heartbeat = TimeSpan.FromMilliseconds(100) };
        var clock = System.Diagnostics.Stopwatch.StartNew();

        await Assert.ThrowsAsync<IOException>(async () =>
        {
            await foreach (var change in client.GetDatabase("db").ChangesAsync(request))
            {
                Assert.Fail("no change was sent: " + change);
            }
        });
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(10));
        Assert.Contains("feed=continuous", handler.Requests.Single().RequestUri!.Query, StringComparison.Ordinal);
        Assert.Contains("heartbeat=100", handler.Requests.Single().RequestUri!.Query, StringComparison.Ordinal);
    }

    [Fact]
    public void The_dialect_of_couchdb_3_is_recognised_from_its_welcome()
    {
        using var info = System.Text.Json.JsonDocument.Parse(
            """{"couchdb":"Welcome","version":"3.3.3","git_sha":"40afbcfc7","uuid":"x","features":["access-ready"],"vendor":{"name":"The Apache Software Foundation"}}""");

        var dialect = ServerDialect.FromServerInfo(info.RootElement);

        Assert.False(dialect.IsPouchDbServer);
        Assert.True(dialect.HasUpEndpoint);
        Assert.True(dialect.SupportsFindBookmarks);
        Assert.Equal("3.3.3", dialect.Version);
    }

    private static CouchDbClient Client(HttpMessageHandler handler, int retries) =>
        new(new CouchDbOptions { ServerUri = Server, MaxRetryAttempts = retries, RetryBaseDelay = TimeSpan.FromMilliseconds(1) }, handler);

    private static HttpResponseMessage Json(HttpStatusCode status, string body) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    private sealed class ScriptedHandler(Func<HttpRequestMessage, HttpResponseMessage> respond, bool hang = false) : HttpMessageHandler
    {
        public List<HttpRequestMessage> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            if (hang)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return respond(request);
        }
    }
}

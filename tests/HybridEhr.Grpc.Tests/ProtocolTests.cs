using System.Net;
using System.Net.Http;
using Xunit;

namespace HybridEhr.Grpc.Tests;

public sealed class ProtocolTests
{
    [Theory]
    [InlineData("plain ascii", "plain ascii")]
    [InlineData("50% off", "50%25 off")]
    [InlineData("caf\u00e9", "caf%C3%A9")]
    [InlineData("line\nbreak", "line%0Abreak")]
    public void Status_messages_are_percent_encoded_as_the_spec_says(string message, string wire)
    {
        Assert.Equal(wire, GrpcProtocol.EncodeStatusMessage(message));
        Assert.Equal(message, GrpcProtocol.DecodeStatusMessage(wire));
    }

    [Theory]
    [InlineData("%")]
    [InlineData("%4")]
    [InlineData("%zz tail")]
    public void Malformed_percent_escapes_are_kept_not_thrown(string wire) =>
        Assert.Equal(wire, GrpcProtocol.DecodeStatusMessage(wire));

    [Theory]
    [InlineData("100m", 100 * TimeSpan.TicksPerMillisecond)]
    [InlineData("5S", 5 * TimeSpan.TicksPerSecond)]
    [InlineData("2M", 2 * TimeSpan.TicksPerMinute)]
    [InlineData("1H", TimeSpan.TicksPerHour)]
    [InlineData("250u", 2500)]
    [InlineData("1000n", 10)]
    public void Timeouts_parse_in_every_unit(string value, long ticks)
    {
        Assert.True(GrpcProtocol.TryParseTimeout(value, out var timeout));
        Assert.Equal(ticks, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("m")]
    [InlineData("10x")]
    [InlineData("123456789S")]
    [InlineData("-1S")]
    public void Invalid_timeouts_are_rejected(string value) => Assert.False(GrpcProtocol.TryParseTimeout(value, out _));

    [Theory]
    [InlineData(1)]
    [InlineData(1_500)]
    [InlineData(86_400_000)]
    [InlineData(1_000_000_000_000)]
    public void Formatted_timeouts_fit_eight_digits_and_never_shorten_the_deadline(long milliseconds)
    {
        var timeout = TimeSpan.FromMilliseconds(milliseconds);
        var wire = GrpcProtocol.FormatTimeout(timeout);
        Assert.True(wire.Length <= 9, wire);
        Assert.True(GrpcProtocol.TryParseTimeout(wire, out var parsed));
        Assert.True(parsed >= timeout, $"{wire} parsed to {parsed}, shorter than {timeout}");
    }

    [Fact]
    public void Metadata_rejects_invalid_and_reserved_keys_and_values()
    {
        var metadata = new Metadata();
        Assert.Throws<ArgumentException>(() => metadata.Add("Bad Key", "x"));
        Assert.Throws<ArgumentException>(() => metadata.Add("grpc-status", "0"));
        Assert.Throws<ArgumentException>(() => metadata.Add("x-bin", "text"));
        Assert.Throws<ArgumentException>(() => metadata.Add("x-text", [1, 2]));
        Assert.Throws<ArgumentException>(() => metadata.Add("x-text", "caf\u00e9"));
        metadata.Add("X-Mixed", "ok");
        Assert.Equal("ok", metadata.GetValue("x-mixed"));
    }
}

/// <summary>What our server answers to requests that are not well-formed gRPC, as the HTTP/2 protocol spec says.</summary>
public sealed class ServerProtocolTests(OurServerFixture server) : IClassFixture<OurServerFixture>
{
    private static readonly HttpMessageInvoker Http = new(new SocketsHttpHandler());

    [Fact]
    public async Task Non_grpc_content_type_gets_415()
    {
        using var response = await SendAsync(HttpMethod.Post, "application/json");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Get_gets_405()
    {
        using var response = await SendAsync(HttpMethod.Get, null);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task Unsupported_message_encoding_is_unimplemented_and_lists_what_is_supported()
    {
        using var response = await SendAsync(HttpMethod.Post, "application/grpc", ("grpc-encoding", "snappy"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("12", response.Headers.GetValues("grpc-status").Single());
        Assert.Contains("gzip", response.Headers.GetValues("grpc-accept-encoding").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Truncated_message_is_internal_not_a_crash()
    {
        using var response = await SendAsync(HttpMethod.Post, "application/grpc", body: [0, 0, 0, 0, 10, 1, 2]);
        await response.Content.ReadAsByteArrayAsync();
        var status = response.Headers.TryGetValues("grpc-status", out var headerStatus)
            ? headerStatus.Single()
            : response.TrailingHeaders.GetValues("grpc-status").Single();
        Assert.Equal("13", status);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string? contentType, (string, string)? header = null, byte[]? body = null)
    {
        var request = new HttpRequestMessage(method, server.Address + "/hybridehr.testing.v1.Conformance/Echo")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (contentType is not null)
        {
            request.Content = new ByteArrayContent(body ?? [0, 0, 0, 0, 0]);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        if (header is { } h)
        {
            request.Headers.TryAddWithoutValidation(h.Item1, h.Item2);
        }

        return await Http.SendAsync(request, CancellationToken.None);
    }
}

using System.Diagnostics;
using System.Text;
using Google.Protobuf;
using HybridEhr.Grpc.Client;
using HybridEhr.Grpc.Health;
using HybridEhr.Grpc.Tests.Conformance;
using Xunit;
using ServingStatus = HybridEhr.Grpc.Health.HealthCheckResponse.Types.ServingStatus;

namespace HybridEhr.Grpc.Tests;

/// <summary>
/// Our client against a conformance server. The same cases run against our server and against grpcio's, so each
/// behaviour is checked against an independent implementation, not only against ourselves.
/// </summary>
public abstract class ClientConformanceTests(IConformanceTarget target)
{
    private const string UnicodeFailure = "record 42 not found \u2014 \u00fcn\u00efcode % done";

    protected GrpcChannel Channel { get; } = GrpcChannel.ForAddress(target.Address);

    protected ConformanceClient Client => new(Channel);

    /// <summary>The code a server sends when its handler throws: INTERNAL for ours, UNKNOWN for grpcio.</summary>
    protected abstract StatusCode UnhandledExceptionCode { get; }

    [Fact]
    public async Task Unary_round_trips_bytes_unicode_text_and_metadata()
    {
        var headers = new Metadata().Add("x-trace", "abc").Add("x-raw-bin", [0, 1, 2, 255]);
        var call = Client.Echo(new EchoRequest
        {
            Payload = ByteString.CopyFrom(0, 1, 104, 105, 255),
            Text = "h\u00e9llo \u2713",
            BinaryHeader = ByteString.CopyFrom(0, 255, 16, 128),
            ResponseHeaders = { ["x-h"] = "head" },
            ResponseTrailers = { ["x-t"] = "tail" },
        }, new CallOptions { Headers = headers });

        var response = await call;

        Assert.Equal([0, 1, 104, 105, 255], response.Payload.ToByteArray());
        Assert.Equal("h\u00e9llo \u2713", response.Text);
        Assert.Equal("abc", response.RequestMetadata["x-trace"]);
        Assert.Equal(Convert.ToBase64String([0, 1, 2, 255]), response.RequestMetadata["x-raw-bin"]);
        var responseHeaders = await call.ResponseHeadersAsync;
        Assert.Equal("head", responseHeaders.GetValue("x-h"));
        Assert.Equal([0, 255, 16, 128], responseHeaders.GetValueBytes("x-echo-bin"));
        Assert.Equal("tail", call.GetTrailers().GetValue("x-t"));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Gzip_compressed_request_is_understood()
    {
        var payload = ByteString.CopyFrom(Encoding.ASCII.GetBytes(new string('z', 100_000)));
        var response = await Client.Echo(new EchoRequest { Payload = payload }, new CallOptions { CompressRequest = true });
        Assert.Equal(payload, response.Payload);
    }

    [Fact]
    public async Task Large_response_of_three_megabytes_arrives_intact()
    {
        var response = await Client.Echo(new EchoRequest { ResponseSize = 3_000_000 });
        Assert.Equal(3_000_000, response.Payload.Length);
        var span = response.Payload.Span;
        for (var i = 0; i < span.Length; i += 4099)
        {
            Assert.Equal((byte)(i % 251), span[i]);
        }
    }

    [Fact]
    public async Task Request_over_the_server_limit_is_resource_exhausted()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Client.Echo(new EchoRequest { Payload = ByteString.CopyFrom(new byte[5 * 1024 * 1024]) }).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Response_over_the_client_limit_is_resource_exhausted()
    {
        using var small = GrpcChannel.ForAddress(target.Address, new GrpcChannelOptions { MaxReceiveMessageSize = 1024 * 1024 });
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            new ConformanceClient(small).Echo(new EchoRequest { ResponseSize = 2 * 1024 * 1024 }).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Status_message_with_unicode_and_percent_round_trips_exactly()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Client.Echo(new EchoRequest { FailWithCode = (int)StatusCode.NotFound, FailMessage = UnicodeFailure }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal(UnicodeFailure, error.Status.Detail);
    }

    [Fact]
    public async Task Failure_carries_response_headers_and_trailers()
    {
        var call = Client.Echo(new EchoRequest
        {
            FailWithCode = (int)StatusCode.PermissionDenied,
            FailMessage = "no grant",
            ResponseHeaders = { ["x-h"] = "1" },
            ResponseTrailers = { ["x-t"] = "2" },
        });
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Equal("no grant", error.Status.Detail);
        Assert.Equal("2", error.Trailers.GetValue("x-t"));
        Assert.Equal("1", (await call.ResponseHeadersAsync).GetValue("x-h"));
    }

    [Fact]
    public async Task Unhandled_exception_is_reported_without_its_secret_message_by_our_server()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.Echo(new EchoRequest { ThrowException = true }).ResponseAsync);
        Assert.Equal(UnhandledExceptionCode, error.StatusCode);
        if (UnhandledExceptionCode == StatusCode.Internal)
        {
            Assert.DoesNotContain("hunter2", error.Status.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Deadline_is_exceeded_promptly_and_cancels_the_handler()
    {
        var before = (await Client.Stats()).CancelledCalls;
        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Client.Echo(new EchoRequest { DelayMs = 5000 }, CallOptions.WithTimeout(TimeSpan.FromMilliseconds(200))).ResponseAsync);
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.True(watch.ElapsedMilliseconds < 2000, $"took {watch.ElapsedMilliseconds} ms");
        await AssertEventuallyAsync(async () => (await Client.Stats()).CancelledCalls > before, "the handler never saw the cancellation");
    }

    [Fact]
    public async Task Deadline_is_propagated_to_the_server()
    {
        var response = await Client.Echo(new EchoRequest(), CallOptions.WithTimeout(TimeSpan.FromSeconds(10)));
        Assert.True(response.DeadlinePresent);
        Assert.InRange(response.DeadlineRemainingMs, 8_000, 10_200);
        var none = await Client.Echo(new EchoRequest());
        Assert.False(none.DeadlinePresent);
    }

    [Fact]
    public async Task Cancelling_a_server_stream_stops_the_handler()
    {
        var before = (await Client.Stats()).CancelledCalls;
        using var cancellation = new CancellationTokenSource();
        using var call = Client.ServerStream(new StreamRequest { Count = 100, IntervalMs = 50 }, new CallOptions { CancellationToken = cancellation.Token });
        var received = 0;
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var _ in call.ResponseStream)
            {
                if (++received == 2)
                {
                    cancellation.Cancel();
                }
            }
        });
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        Assert.Equal(2, received);
        await AssertEventuallyAsync(async () => (await Client.Stats()).CancelledCalls > before, "the handler never saw the cancellation");
    }

    [Fact]
    public async Task Server_stream_delivers_every_message_in_order()
    {
        using var call = Client.ServerStream(new StreamRequest { Count = 5, PayloadSize = 10 });
        var sequences = new List<int>();
        await foreach (var message in call.ResponseStream)
        {
            Assert.Equal(10, message.Payload.Length);
            sequences.Add(message.Sequence);
        }

        Assert.Equal([0, 1, 2, 3, 4], sequences);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Empty_server_stream_ends_normally_with_ok()
    {
        using var call = Client.ServerStream(new StreamRequest { Count = 0 });
        var received = 0;
        await foreach (var _ in call.ResponseStream)
        {
            received++;
        }

        Assert.Equal(0, received);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Server_stream_failure_after_messages_reports_the_status()
    {
        using var call = Client.ServerStream(new StreamRequest
        {
            Count = 5, FailAfter = 2, FailWithCode = (int)StatusCode.FailedPrecondition, FailMessage = "stop",
        });
        var received = 0;
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var _ in call.ResponseStream)
            {
                received++;
            }
        });
        Assert.Equal(2, received);
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal("stop", error.Status.Detail);
    }

    [Fact]
    public async Task Client_stream_is_summarised_by_one_response()
    {
        using var call = Client.ClientStream();
        foreach (var text in new[] { "a", "b", "c", "d" })
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Text = text, Payload = ByteString.CopyFrom(new byte[1000]) });
        }

        await call.RequestStream.CompleteAsync();
        var response = await call;
        Assert.Equal(4, response.MessageCount);
        Assert.Equal(4000, response.PayloadBytes);
        Assert.Equal("abcd", response.Text);
    }

    [Fact]
    public async Task Bidirectional_stream_answers_each_message_before_the_next_is_sent()
    {
        using var call = Client.Bidi();
        await using var responses = call.ResponseStream.GetAsyncEnumerator();
        foreach (var (text, index) in new[] { "one", "two", "three" }.Select((t, i) => (t, i)))
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Text = text });
            Assert.True(await responses.MoveNextAsync());
            Assert.Equal(text, responses.Current.Text);
            Assert.Equal(index, responses.Current.Sequence);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await responses.MoveNextAsync());
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Theory]
    [InlineData("hybridehr.testing.v1.Conformance", "Nope")]
    [InlineData("no.such.Service", "Echo")]
    public async Task Unknown_method_or_service_is_unimplemented(string service, string method)
    {
        var unknown = new Method<EchoRequest, EchoResponse>(service, method, MethodType.Unary, EchoResponse.Parser);
        var error = await Assert.ThrowsAsync<RpcException>(() => Channel.Unary(unknown, new EchoRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Fact]
    public async Task Health_check_answers_for_the_server_and_its_services()
    {
        var health = new HealthClient(Channel);
        Assert.Equal(ServingStatus.Serving, (await health.Check(new HealthCheckRequest())).Status);
        Assert.Equal(ServingStatus.Serving, (await health.Check(new HealthCheckRequest { Service = "hybridehr.testing.v1.Conformance" })).Status);
        var error = await Assert.ThrowsAsync<RpcException>(() => health.Check(new HealthCheckRequest { Service = "no.such.Service" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Many_concurrent_calls_share_the_connection_pool()
    {
        var calls = Enumerable.Range(0, 200).Select(async i => (await Client.Echo(new EchoRequest { Text = $"n{i}" })).Text);
        var texts = await Task.WhenAll(calls);
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"n{i}"), texts);
    }

    protected static async Task AssertEventuallyAsync(Func<Task<bool>> condition, string failure)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail(failure);
    }
}

public sealed class OurClientAgainstOurServer(OurServerFixture server) : ClientConformanceTests(server), IClassFixture<OurServerFixture>
{
    protected override StatusCode UnhandledExceptionCode => StatusCode.Internal;

    [Fact]
    public async Task Server_sees_the_gzip_encoding_of_the_request()
    {
        var response = await Client.Echo(new EchoRequest { Text = "x" }, new CallOptions { CompressRequest = true });
        Assert.Equal("gzip", response.RequestEncoding);
    }

    [Fact]
    public async Task Rich_error_details_trailer_reaches_the_client()
    {
        var call = Client.Echo(new EchoRequest
        {
            FailWithCode = (int)StatusCode.Aborted, FailMessage = "conflict", BinaryHeader = ByteString.CopyFrom(8, 10, 0, 255),
        });
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.Aborted, error.StatusCode);
        Assert.Equal([8, 10, 0, 255], error.Trailers.GetValueBytes(GrpcProtocol.StatusDetailsHeader));
    }

    [Fact]
    public async Task Health_watch_sends_the_current_status_first()
    {
        using var call = new HealthClient(Channel).Watch(new HealthCheckRequest());
        await using var stream = call.ResponseStream.GetAsyncEnumerator();
        Assert.True(await stream.MoveNextAsync());
        Assert.Equal(ServingStatus.Serving, stream.Current.Status);
    }

    [Fact]
    public async Task Unreachable_server_is_unavailable()
    {
        using var nowhere = GrpcChannel.ForAddress("http://127.0.0.1:9");
        var error = await Assert.ThrowsAsync<RpcException>(() => new ConformanceClient(nowhere).Echo(new EchoRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }
}

public sealed class OurClientAgainstPythonServer(PythonServerFixture server) : ClientConformanceTests(server), IClassFixture<PythonServerFixture>
{
    /// <summary>grpcio reports a handler's exception as UNKNOWN ("Exception calling application: ...").</summary>
    protected override StatusCode UnhandledExceptionCode => StatusCode.Unknown;
}

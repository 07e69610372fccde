using System.Text.Json;
using Xunit;

namespace HybridEhr.Grpc.Tests;

/// <summary>
/// Debian's grpcio (C-core) client against our server. The Python script only reports what it observed; the
/// assertions are here, one test per behaviour.
/// </summary>
public sealed class PythonClientAgainstOurServer(PythonClientObservations python) : IClassFixture<PythonClientObservations>
{
    [Fact]
    public void Unary_echo_round_trips_payload_text_and_metadata()
    {
        var echo = python.Case("echo");
        AssertCode("OK", echo);
        var response = echo.GetProperty("response");
        Assert.Equal(Convert.ToBase64String([0, 1, .. "hello"u8.ToArray(), 255]), response.GetProperty("payload_b64").GetString());
        Assert.Equal("h\u00e9llo \u2713", response.GetProperty("text").GetString());
        var seen = response.GetProperty("request_metadata");
        Assert.Equal("abc", seen.GetProperty("x-trace").GetString());
        Assert.Equal(Convert.ToBase64String([0, 1, 2]), seen.GetProperty("x-bin-bin").GetString());
        Assert.Equal("AP8QgA==", echo.GetProperty("initial_metadata").GetProperty("x-echo-bin").GetString());
    }

    [Fact]
    public void Gzip_compressed_request_is_decompressed_by_our_server()
    {
        var echo = python.Case("echo_gzip");
        AssertCode("OK", echo);
        Assert.Equal("gzip", echo.GetProperty("response").GetProperty("request_encoding").GetString());
        Assert.Equal("h\u00e9llo \u2713", echo.GetProperty("response").GetProperty("text").GetString());
    }

    [Fact]
    public void Large_response_arrives_intact()
    {
        var large = python.Case("large_response");
        AssertCode("OK", large);
        Assert.Equal(3_000_000, large.GetProperty("response").GetProperty("payload_len").GetInt32());
        Assert.True(large.GetProperty("payload_mod251_pattern").GetBoolean());
    }

    [Fact]
    public void Oversized_request_is_resource_exhausted() => AssertCode("RESOURCE_EXHAUSTED", python.Case("too_large_request"));

    [Fact]
    public void Percent_encoded_unicode_status_message_is_decoded_by_grpcio()
    {
        var failure = python.Case("fail_status");
        AssertCode("NOT_FOUND", failure);
        Assert.Equal("record 42 not found \u2014 \u00fcn\u00efcode % done", failure.GetProperty("details").GetString());
    }

    [Fact]
    public void Trailers_only_failure_carries_headers_and_trailers()
    {
        var failure = python.Case("fail_with_headers");
        AssertCode("PERMISSION_DENIED", failure);
        var all = Merge(failure.GetProperty("initial_metadata"), failure.GetProperty("trailing_metadata"));
        Assert.Equal("1", all["x-h"]);
        Assert.Equal("2", all["x-t"]);
    }

    [Fact]
    public void Handler_exception_is_internal_and_hides_the_exception_message()
    {
        var failure = python.Case("exception");
        AssertCode("INTERNAL", failure);
        Assert.DoesNotContain("hunter2", failure.GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Deadline_from_grpcio_is_enforced_and_reaches_the_handler()
    {
        var deadline = python.Case("deadline");
        AssertCode("DEADLINE_EXCEEDED", deadline.GetProperty("call"));
        Assert.True(deadline.GetProperty("elapsed_ms").GetDouble() < 2000);
        Assert.True(Cancelled(deadline, "stats_after") > Cancelled(deadline, "stats_before"));
    }

    [Fact]
    public void Cancellation_from_grpcio_stops_the_streaming_handler()
    {
        var cancel = python.Case("cancel");
        AssertCode("CANCELLED", cancel);
        Assert.Equal([0, 1], cancel.GetProperty("received_sequences").EnumerateArray().Select(e => e.GetInt32()));
        Assert.True(Cancelled(cancel, "stats_after") > Cancelled(cancel, "stats_before"));
    }

    [Fact]
    public void Server_stream_delivers_all_messages_then_ok()
    {
        var stream = python.Case("server_stream");
        AssertCode("OK", stream);
        Assert.Equal([0, 1, 2, 3, 4], stream.GetProperty("sequences").EnumerateArray().Select(e => e.GetInt32()));
        Assert.All(stream.GetProperty("payload_lengths").EnumerateArray(), e => Assert.Equal(10, e.GetInt32()));
    }

    [Fact]
    public void Server_stream_failure_arrives_after_the_messages_sent()
    {
        var stream = python.Case("server_stream_fail");
        AssertCode("FAILED_PRECONDITION", stream);
        Assert.Equal("stop", stream.GetProperty("details").GetString());
        Assert.Equal([0, 1], stream.GetProperty("sequences").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public void Client_stream_is_summarised()
    {
        var call = python.Case("client_stream");
        AssertCode("OK", call);
        var response = call.GetProperty("response");
        Assert.Equal(4, response.GetProperty("message_count").GetInt32());
        Assert.Equal(4000, response.GetProperty("payload_bytes").GetInt64());
        Assert.Equal("abcd", response.GetProperty("text").GetString());
    }

    [Fact]
    public void Bidirectional_ping_pong_works()
    {
        var call = python.Case("bidi");
        AssertCode("OK", call);
        Assert.Equal(["one", "two", "three"], call.GetProperty("texts").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([0, 1, 2], call.GetProperty("sequences").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public void Unknown_method_and_service_are_unimplemented()
    {
        var cases = python.Case("unimplemented");
        AssertCode("UNIMPLEMENTED", cases.GetProperty("/hybridehr.testing.v1.Conformance/Nope"));
        AssertCode("UNIMPLEMENTED", cases.GetProperty("/no.such.Service/Echo"));
    }

    [Fact]
    public void Health_check_and_watch_answer_serving()
    {
        var health = python.Case("health");
        Assert.Equal("SERVING", health.GetProperty("").GetProperty("status").GetString());
        Assert.Equal("SERVING", health.GetProperty("hybridehr.testing.v1.Conformance").GetProperty("status").GetString());
        AssertCode("NOT_FOUND", health.GetProperty("no.such.Service"));
        Assert.Equal("SERVING", python.Case("health_watch").GetProperty("first_status").GetString());
    }

    [Fact]
    public void Reflection_v1alpha_lists_services_and_serves_descriptors()
    {
        var reflection = python.Case("reflection").GetProperty("v1alpha");
        var services = reflection.GetProperty("list_services").GetProperty("services").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("hybridehr.testing.v1.Conformance", services);
        Assert.Contains("grpc.health.v1.Health", services);
        Assert.Contains("grpc.reflection.v1alpha.ServerReflection", services);

        var bySymbol = reflection.GetProperty("file_containing_symbol");
        Assert.Contains("conformance.proto", bySymbol.GetProperty("file_names").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["Echo", "ServerStream", "ClientStream", "Bidi", "Stats"],
            bySymbol.GetProperty("conformance_methods").EnumerateArray().Select(Name));
        Assert.Equal("file_descriptor_response", reflection.GetProperty("file_by_filename").GetProperty("kind").GetString());
        Assert.Equal(5, reflection.GetProperty("missing_symbol").GetProperty("error_code").GetInt32());
    }

    [Fact]
    public void Reflection_v1_lists_services_too()
    {
        var services = python.Case("reflection").GetProperty("v1").GetProperty("list_services").GetProperty("services");
        Assert.Contains("grpc.reflection.v1.ServerReflection", services.EnumerateArray().Select(e => e.GetString()));
    }

    private static string? Name(JsonElement method) =>
        method.ValueKind == JsonValueKind.String ? method.GetString() : method.GetProperty("name").GetString();

    private static long Cancelled(JsonElement observation, string stats) =>
        observation.GetProperty(stats).GetProperty("cancelled_calls").GetInt64();

    private static void AssertCode(string expected, JsonElement observation)
    {
        Assert.True(observation.TryGetProperty("code", out var code), $"no status in {observation}");
        Assert.True(expected == code.GetString(), $"expected {expected} in {observation}");
    }

    private static Dictionary<string, string?> Merge(params JsonElement[] metadata) =>
        metadata.SelectMany(m => m.EnumerateObject()).GroupBy(p => p.Name).ToDictionary(g => g.Key, g => g.Last().Value.GetString());
}

#!/usr/bin/python3
"""Reference grpcio (C-core) client for the interop tests: runs cases against a Conformance server and prints
ONE JSON object mapping case name -> observations. It never decides pass/fail; the C# tests assert.

Usage: conformance_client.py --target 127.0.0.1:PORT --descriptor-set PATH [--cases a,b] [--timeout 10]

Conventions in the output:
  * "code" is the grpc.StatusCode name ("OK", "NOT_FOUND", ...), "code_value" its number, "details" the message.
  * Metadata is a dict key -> value; values of binary (-bin) keys are standard base64; repeated keys are joined
    with ",". Keys are exactly as grpcio hands them over (lowercase).
  * Messages are dicts of their fields; bytes fields appear as <name>_len, <name>_sha256 and, up to 4096 bytes,
    <name>_b64.
  * A case that raised something other than an RPC failure is {"error": "<type>: <message>"}.
"""

import argparse
import base64
import hashlib
import json
import queue
import sys
import time

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

CONFORMANCE = "/hybridehr.testing.v1.Conformance/"
HEALTH = "/grpc.health.v1.Health/"
REFLECTION_V1ALPHA = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"
REFLECTION_V1 = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"

PATTERN = bytes(range(251))
MAX_INLINE_BYTES = 4096

ECHO_PAYLOAD = b"\x00\x01hello\xff"
ECHO_TEXT = "h\u00e9llo \u2713"
ECHO_METADATA = (("x-trace", "abc"), ("x-bin-bin", b"\x00\x01\x02"))
# Echoed back by the server as the binary response header "x-echo-bin" (base64 "AP8QgA==" in the output).
ECHO_BINARY_HEADER = b"\x00\xff\x10\x80"
FAIL_MESSAGE = "record 42 not found \u2014 \u00fcn\u00efcode % done"


def load_messages(descriptor_set_path):
    """Returns {full message name: class} for every message in a FileDescriptorSet."""
    file_set = descriptor_pb2.FileDescriptorSet()
    with open(descriptor_set_path, "rb") as f:
        file_set.ParseFromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    # protoc --include_imports writes files in dependency order, so each Add finds its imports already present.
    for file_proto in file_set.file:
        pool.Add(file_proto)
    factory = message_factory.MessageFactory(pool)
    classes = {}
    for file_proto in file_set.file:
        for message in file_proto.message_type:
            name = f"{file_proto.package}.{message.name}" if file_proto.package else message.name
            classes[name] = factory.GetPrototype(pool.FindMessageTypeByName(name))
    return classes


# --- Observation helpers ------------------------------------------------------------------------------------------

def metadata_dict(metadata):
    if metadata is None:
        return None
    result = {}
    for key, value in metadata:
        text = base64.b64encode(value).decode("ascii") if isinstance(value, bytes) else value
        result[key] = f"{result[key]},{text}" if key in result else text
    return result


def bytes_fields(name, data):
    data = bytes(data)
    fields = {f"{name}_len": len(data), f"{name}_sha256": hashlib.sha256(data).hexdigest()}
    if len(data) <= MAX_INLINE_BYTES:
        fields[f"{name}_b64"] = base64.b64encode(data).decode("ascii")
    return fields


def is_mod251_pattern(data):
    data = bytes(data)
    return data == (PATTERN * (len(data) // len(PATTERN) + 1))[:len(data)]


def message_dict(message):
    """All fields of a message (defaults included), JSON-friendly. int64 stays a number (unlike json_format)."""
    if message is None:
        return None
    result = {}
    for field in message.DESCRIPTOR.fields:
        value = getattr(message, field.name)
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            result[field.name] = dict(value)
        elif field.label == field.LABEL_REPEATED:
            result[field.name] = [message_dict(v) if field.message_type else v for v in value]
        elif field.type == field.TYPE_BYTES:
            result.update(bytes_fields(field.name, value))
        elif field.message_type is not None:
            result[field.name] = message_dict(value) if message.HasField(field.name) else None
        elif field.enum_type is not None:
            enum_value = field.enum_type.values_by_number.get(value)
            result[field.name] = enum_value.name if enum_value else value
        else:
            result[field.name] = value
    return result


def status_fields(call_or_error):
    """code/details/metadata of a finished call (a grpc.Call, or the grpc.RpcError it raised)."""
    code = call_or_error.code()
    return {
        "code": code.name if code else None,
        "code_value": code.value[0] if code else None,
        "details": call_or_error.details(),
        "initial_metadata": metadata_dict(call_or_error.initial_metadata()),
        "trailing_metadata": metadata_dict(call_or_error.trailing_metadata()),
    }


def elapsed_ms(started):
    return round((time.monotonic() - started) * 1000, 1)


class Client:
    def __init__(self, channel, messages, timeout):
        self.channel = channel
        self.m = messages
        self.timeout = timeout

    def method(self, kind, path, request_class, response_class):
        """A grpcio multi-callable; kind is unary_unary, unary_stream, stream_unary or stream_stream."""
        return getattr(self.channel, kind)(
            path,
            request_serializer=request_class.SerializeToString if request_class else None,
            response_deserializer=response_class.FromString if response_class else None,
        )

    def conformance(self, kind, name, request_name="EchoRequest", response_name="EchoResponse"):
        return self.method(kind, CONFORMANCE + name,
                           self.m[f"hybridehr.testing.v1.{request_name}"],
                           self.m[f"hybridehr.testing.v1.{response_name}"])

    def unary(self, multi_callable, request, timeout=None, **kwargs):
        """Observes one unary call: status, metadata, response fields and elapsed time."""
        started = time.monotonic()
        try:
            response, call = multi_callable.with_call(request, timeout=timeout or self.timeout, **kwargs)
            observed = status_fields(call)
        except grpc.RpcError as error:
            response = None
            observed = status_fields(error)
        observed["elapsed_ms"] = elapsed_ms(started)
        observed["response"] = message_dict(response)
        return observed, response

    def echo(self, request, **kwargs):
        return self.unary(self.conformance("unary_unary", "Echo"), request, **kwargs)

    def stats(self):
        observed, response = self.unary(
            self.conformance("unary_unary", "Stats", "StatsRequest", "StatsResponse"),
            self.m["hybridehr.testing.v1.StatsRequest"]())
        return message_dict(response) if response is not None else observed


class PingPong:
    """A bidi call driven one request at a time: send(request) returns the response it provokes.

    grpcio reads requests from an iterator on its own thread; a queue-backed generator lets us release exactly
    one request, then block on the matching response, before releasing the next.
    """

    _END = object()

    def __init__(self, multi_callable, timeout, **kwargs):
        self._requests = queue.Queue()
        self.call = multi_callable(self._iterate(), timeout=timeout, **kwargs)

    def _iterate(self):
        while True:
            item = self._requests.get()
            if item is self._END:
                return
            yield item

    def send(self, request):
        self._requests.put(request)
        return next(self.call)

    def close(self):
        """Half-closes and drains; returns any responses that arrived after the last send."""
        self._requests.put(self._END)
        return list(self.call)


# --- Cases --------------------------------------------------------------------------------------------------------

def echo_request(client, **fields):
    return client.m["hybridehr.testing.v1.EchoRequest"](**fields)


def case_echo(client):
    request = echo_request(client, payload=ECHO_PAYLOAD, text=ECHO_TEXT, binary_header=ECHO_BINARY_HEADER)
    return client.echo(request, metadata=ECHO_METADATA)[0]


def case_echo_gzip(client):
    request = echo_request(client, payload=ECHO_PAYLOAD, text=ECHO_TEXT, binary_header=ECHO_BINARY_HEADER)
    return client.echo(request, metadata=ECHO_METADATA, compression=grpc.Compression.Gzip)[0]


def case_large_response(client):
    observed, response = client.echo(echo_request(client, response_size=3_000_000))
    observed["payload_mod251_pattern"] = is_mod251_pattern(response.payload) if response is not None else None
    return observed


def case_too_large_request(client):
    return client.echo(echo_request(client, payload=b"\x2a" * (5 * 1024 * 1024)))[0]


def case_fail_status(client):
    return client.echo(echo_request(client, fail_with_code=5, fail_message=FAIL_MESSAGE))[0]


def case_fail_with_headers(client):
    request = echo_request(client, fail_with_code=7, fail_message="denied",
                           response_headers={"x-h": "1"}, response_trailers={"x-t": "2"})
    return client.echo(request)[0]


def case_exception(client):
    return client.echo(echo_request(client, throw_exception=True))[0]


def settle():
    # Give the server's handler thread time to notice the cancellation before reading its counters.
    time.sleep(0.3)


def case_deadline(client):
    before = client.stats()
    call, _ = client.echo(echo_request(client, delay_ms=5000), timeout=0.2)
    settle()
    return {"call": call, "elapsed_ms": call["elapsed_ms"], "stats_before": before, "stats_after": client.stats()}


def case_cancel(client):
    before = client.stats()
    request = client.m["hybridehr.testing.v1.StreamRequest"](count=100, interval_ms=50)
    started = time.monotonic()
    call = client.conformance("unary_stream", "ServerStream", "StreamRequest")(request, timeout=client.timeout)
    received = [next(call).sequence for _ in range(2)]
    call.cancel()
    observed = status_fields(call)
    observed.update(received_sequences=received, elapsed_ms=elapsed_ms(started))
    settle()
    observed.update(stats_before=before, stats_after=client.stats())
    return observed


def observe_server_stream(client, request):
    started = time.monotonic()
    call = client.conformance("unary_stream", "ServerStream", "StreamRequest")(request, timeout=client.timeout)
    sequences, payload_lengths = [], []
    try:
        for response in call:
            sequences.append(response.sequence)
            payload_lengths.append(len(response.payload))
    except grpc.RpcError:
        pass  # the status is read from the call below
    observed = status_fields(call)
    observed.update(sequences=sequences, payload_lengths=payload_lengths, elapsed_ms=elapsed_ms(started))
    return observed


def case_server_stream(client):
    request = client.m["hybridehr.testing.v1.StreamRequest"](count=5, payload_size=10)
    return observe_server_stream(client, request)


def case_server_stream_fail(client):
    request = client.m["hybridehr.testing.v1.StreamRequest"](
        count=5, fail_after=2, fail_with_code=9, fail_message="stop")
    return observe_server_stream(client, request)


def case_client_stream(client):
    requests = [echo_request(client, text=t, payload=bytes([i]) * 1000) for i, t in enumerate("abcd")]
    return client.unary(client.conformance("stream_unary", "ClientStream"), iter(requests))[0]


def case_bidi(client):
    started = time.monotonic()
    exchange = PingPong(client.conformance("stream_stream", "Bidi"), client.timeout)
    responses = []
    try:
        for i, text in enumerate(("one", "two", "three")):
            responses.append(exchange.send(echo_request(client, text=text, payload=bytes([i]) * 3)))
        responses.extend(exchange.close())
    except grpc.RpcError:
        pass  # the status is read from the call below
    observed = status_fields(exchange.call)
    observed.update(
        sequences=[r.sequence for r in responses],
        texts=[r.text for r in responses],
        payload_lengths=[len(r.payload) for r in responses],
        elapsed_ms=elapsed_ms(started),
    )
    return observed


def case_unimplemented(client):
    results = {}
    for path in ("/hybridehr.testing.v1.Conformance/Nope", "/no.such.Service/Echo"):
        # No serializers: grpcio passes raw bytes through (an empty message here).
        observed, _ = client.unary(client.method("unary_unary", path, None, None), b"")
        observed.pop("response")
        results[path] = observed
    return results


def case_health(client):
    Request = client.m["grpc.health.v1.HealthCheckRequest"]
    check = client.method("unary_unary", HEALTH + "Check", Request, client.m["grpc.health.v1.HealthCheckResponse"])
    results = {}
    for service in ("", "hybridehr.testing.v1.Conformance", "no.such.Service"):
        observed, response = client.unary(check, Request(service=service))
        observed["status"] = observed["response"]["status"] if response is not None else None
        results[service] = observed
    return results


def case_health_watch(client):
    Request = client.m["grpc.health.v1.HealthCheckRequest"]
    watch = client.method("unary_stream", HEALTH + "Watch", Request, client.m["grpc.health.v1.HealthCheckResponse"])
    started = time.monotonic()
    call = watch(Request(service=""), timeout=client.timeout)
    try:
        first = message_dict(next(call))
    except grpc.RpcError:
        first = None
    first_ms = elapsed_ms(started)
    call.cancel()
    observed = status_fields(call)
    observed.update(first_message=first, first_status=first["status"] if first else None, first_ms=first_ms)
    return observed


def reflection_response_dict(response):
    """The interesting part of a ServerReflectionResponse, by which oneof member it carries."""
    kind = response.WhichOneof("message_response")
    result = {"kind": kind, "valid_host": response.valid_host,
              "original_request_kind": response.original_request.WhichOneof("message_request")}
    if kind == "list_services_response":
        result["services"] = [s.name for s in response.list_services_response.service]
    elif kind == "file_descriptor_response":
        files = []
        for raw in response.file_descriptor_response.file_descriptor_proto:
            file_proto = descriptor_pb2.FileDescriptorProto.FromString(raw)
            files.append({
                "name": file_proto.name,
                "package": file_proto.package,
                "dependencies": list(file_proto.dependency),
                "services": {
                    s.name: [{"name": m.name, "client_streaming": m.client_streaming,
                              "server_streaming": m.server_streaming} for m in s.method]
                    for s in file_proto.service
                },
            })
        result["files"] = files
        result["file_names"] = [f["name"] for f in files]
        conformance = [f["services"]["Conformance"] for f in files
                       if f["package"] == "hybridehr.testing.v1" and "Conformance" in f["services"]]
        result["conformance_methods"] = [m["name"] for m in conformance[0]] if conformance else None
    elif kind == "error_response":
        result["error_code"] = response.error_response.error_code
        result["error_message"] = response.error_response.error_message
    return result


def observe_reflection(client, path, package, steps):
    """Runs reflection requests over ONE stream; `steps` is a list of (label, request-builder) where a builder
    receives the results so far (so later requests can use names returned earlier) and returns request fields."""
    Request = client.m[f"{package}.ServerReflectionRequest"]
    Response = client.m[f"{package}.ServerReflectionResponse"]
    started = time.monotonic()
    exchange = PingPong(client.method("stream_stream", path, Request, Response), client.timeout)
    results = {}
    try:
        for label, build in steps:
            fields = build(results)
            if fields is None:
                results[label] = {"skipped": "nothing to ask for"}
                continue
            results[label] = reflection_response_dict(exchange.send(Request(**fields)))
        extra = exchange.close()
        if extra:
            results["unexpected_extra_responses"] = len(extra)
    except grpc.RpcError:
        pass  # the status is read from the call below
    except StopIteration:
        results["stream_ended_early"] = True
    results.update(status_fields(exchange.call))
    results["elapsed_ms"] = elapsed_ms(started)
    return results


def first_conformance_file(results):
    found = results.get("file_containing_symbol", {}).get("file_names") or []
    matching = [n for n in found if "conformance" in n]
    return (matching or found or [None])[0]


def case_reflection(client):
    v1alpha_steps = [
        ("list_services", lambda r: {"list_services": ""}),
        ("file_containing_symbol", lambda r: {"file_containing_symbol": "hybridehr.testing.v1.Conformance"}),
        ("file_by_filename", lambda r: {"file_by_filename": first_conformance_file(r)}
            if first_conformance_file(r) else None),
        ("missing_symbol", lambda r: {"file_containing_symbol": "no.such.Symbol"}),
    ]
    v1_steps = [("list_services", lambda r: {"list_services": ""})]
    return {
        "v1alpha": observe_reflection(client, REFLECTION_V1ALPHA, "grpc.reflection.v1alpha", v1alpha_steps),
        "v1": observe_reflection(client, REFLECTION_V1, "grpc.reflection.v1", v1_steps),
    }


CASES = {
    "echo": case_echo,
    "echo_gzip": case_echo_gzip,
    "large_response": case_large_response,
    "too_large_request": case_too_large_request,
    "fail_status": case_fail_status,
    "fail_with_headers": case_fail_with_headers,
    "exception": case_exception,
    "deadline": case_deadline,
    "cancel": case_cancel,
    "server_stream": case_server_stream,
    "server_stream_fail": case_server_stream_fail,
    "client_stream": case_client_stream,
    "bidi": case_bidi,
    "unimplemented": case_unimplemented,
    "health": case_health,
    "health_watch": case_health_watch,
    "reflection": case_reflection,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", required=True, help="host:port of the server under test")
    parser.add_argument("--descriptor-set", required=True, help="FileDescriptorSet from make_descriptor_set.sh")
    parser.add_argument("--cases", default="", help="comma-separated case names (default: all)")
    parser.add_argument("--timeout", type=float, default=10.0, help="per-RPC timeout in seconds")
    args = parser.parse_args()

    selected = [c.strip() for c in args.cases.split(",") if c.strip()] or list(CASES)
    unknown = [c for c in selected if c not in CASES]
    if unknown:
        parser.error(f"unknown case(s): {', '.join(unknown)}; known: {', '.join(CASES)}")

    client = Client(grpc.insecure_channel(args.target), load_messages(args.descriptor_set), args.timeout)
    results = {}
    for name in selected:
        try:
            results[name] = CASES[name](client)
        except Exception as error:  # report, never crash: one broken case must not hide the others
            results[name] = {"error": f"{type(error).__name__}: {error}"}
    client.channel.close()

    json.dump(results, sys.stdout, ensure_ascii=True, indent=2)
    sys.stdout.write("\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

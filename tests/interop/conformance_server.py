#!/usr/bin/python3
"""Reference grpcio (C-core) server for hybridehr.testing.v1.Conformance, used by the interop tests.

Message classes come from a FileDescriptorSet loaded at runtime (see make_descriptor_set.sh) instead of
generated code, because Debian's python3-protobuf 3.21 rejects gencode from newer protoc releases.

Usage: conformance_server.py --descriptor-set PATH [--port 0] [--compress-responses]
Prints exactly one line "LISTENING <port>" to stdout once serving, then serves until SIGTERM/SIGINT or
until stdin (when it is a pipe or socket) reaches end-of-file.
"""

import argparse
import base64
import os
import signal
import stat
import sys
import threading
from concurrent import futures

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

CONFORMANCE_SERVICE = "hybridehr.testing.v1.Conformance"
HEALTH_SERVICE = "grpc.health.v1.Health"

# Bytes i of a generated payload is i % 251 (a prime, so the pattern does not line up with power-of-two framing).
PATTERN = bytes(range(251))

# grpc.StatusCode by its numeric value, to map the int32 codes carried in requests.
STATUS_BY_NUMBER = {code.value[0]: code for code in grpc.StatusCode}

# Above this many seconds time_remaining() means "no deadline": grpcio has no explicit flag and reports the
# distance to C-core's infinite-future deadline instead (a huge number).
NO_DEADLINE_THRESHOLD_S = 10 * 365 * 24 * 3600


def load_messages(descriptor_set_path, names):
    """Returns {full message name: class} built from a FileDescriptorSet."""
    file_set = descriptor_pb2.FileDescriptorSet()
    with open(descriptor_set_path, "rb") as f:
        file_set.ParseFromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    # protoc --include_imports writes files in dependency order, so each Add finds its imports already present.
    for file_proto in file_set.file:
        pool.Add(file_proto)
    factory = message_factory.MessageFactory(pool)
    return {name: factory.GetPrototype(pool.FindMessageTypeByName(name)) for name in names}


def pattern_payload(size):
    """`size` bytes where byte i is i % 251."""
    if size <= 0:
        return b""
    repeats = size // len(PATTERN) + 1
    return (PATTERN * repeats)[:size]


def status_code(number):
    return STATUS_BY_NUMBER.get(number, grpc.StatusCode.UNKNOWN)


class Stats:
    """Thread-safe counters served by the Stats RPC."""

    def __init__(self):
        self._lock = threading.Lock()
        self.cancelled_calls = 0
        self.completed_calls = 0

    def cancelled(self):
        with self._lock:
            self.cancelled_calls += 1

    def completed(self):
        with self._lock:
            self.completed_calls += 1

    def snapshot(self):
        with self._lock:
            return self.cancelled_calls, self.completed_calls


class CallWatcher:
    """Lets a handler wait in a way that ends as soon as the RPC terminates (client cancel or deadline).

    grpcio runs add_callback callbacks when the RPC terminates for any reason; a C-core server also terminates
    the call by itself when the deadline passes, so one Event covers both cases.
    """

    def __init__(self, context):
        self._context = context
        self._terminated = threading.Event()
        # add_callback returns False when the RPC has already ended (e.g. its deadline passed while the handler
        # waited for a thread): the callback would never run, so mark it ended now.
        if not context.add_callback(self._terminated.set):
            self._terminated.set()

    def wait(self, seconds):
        """Sleeps up to `seconds`; returns False if the call ended (cancelled/expired) meanwhile."""
        if seconds > 0:
            self._terminated.wait(seconds)
        return self._context.is_active()

    def wait_until_terminated(self):
        self._terminated.wait()


def visible_request_metadata(context):
    """Invocation metadata whose key starts with "x-"; binary (-bin) values base64-encoded, repeats joined."""
    seen = {}
    for key, value in context.invocation_metadata():
        if not key.startswith("x-"):
            continue
        text = base64.b64encode(value).decode("ascii") if isinstance(value, bytes) else value
        seen[key] = f"{seen[key]},{text}" if key in seen else text
    return seen


def request_encoding(context):
    # C-core consumes grpc-encoding itself, so this is normally "" even for compressed requests.
    for key, value in context.invocation_metadata():
        if key == "grpc-encoding":
            return value if isinstance(value, str) else value.decode("latin-1")
    return ""


def deadline_info(context):
    """(deadline_present, remaining milliseconds) as seen when the handler starts."""
    remaining = context.time_remaining()
    if remaining is None or remaining > NO_DEADLINE_THRESHOLD_S:
        return False, 0
    return True, int(remaining * 1000)


class ConformanceService:
    def __init__(self, messages):
        self.EchoRequest = messages["hybridehr.testing.v1.EchoRequest"]
        self.EchoResponse = messages["hybridehr.testing.v1.EchoResponse"]
        self.StreamRequest = messages["hybridehr.testing.v1.StreamRequest"]
        self.StatsRequest = messages["hybridehr.testing.v1.StatsRequest"]
        self.StatsResponse = messages["hybridehr.testing.v1.StatsResponse"]
        self.stats = Stats()

    def _call_info(self, context):
        """Response fields describing the call itself, shared by every response a call produces."""
        present, remaining_ms = deadline_info(context)
        return dict(
            request_metadata=visible_request_metadata(context),
            request_encoding=request_encoding(context),
            deadline_present=present,
            deadline_remaining_ms=remaining_ms,
        )

    # --- Echo -------------------------------------------------------------------------------------------------

    def echo(self, request, context):
        call_info = self._call_info(context)  # before any delay: "when the handler started"
        watcher = CallWatcher(context)

        headers = list(request.response_headers.items())
        if request.binary_header:
            headers.append(("x-echo-bin", bytes(request.binary_header)))
        if headers:
            context.send_initial_metadata(headers)
        if request.response_trailers:
            # Trailers set here are also sent with a failure status (abort keeps them).
            context.set_trailing_metadata(list(request.response_trailers.items()))

        if request.delay_ms > 0 and not watcher.wait(request.delay_ms / 1000.0):
            self.stats.cancelled()
            return self.EchoResponse()  # discarded by grpcio: the call is already over

        if request.throw_exception:
            # grpcio turns this into UNKNOWN "Exception calling application: <message>" (not INTERNAL).
            raise RuntimeError("conformance: deliberate unhandled exception")

        if request.fail_with_code != 0:
            self.stats.completed()
            context.abort(status_code(request.fail_with_code), request.fail_message)

        self.stats.completed()
        payload = pattern_payload(request.response_size) if request.response_size > 0 else request.payload
        return self.EchoResponse(
            payload=payload,
            text=request.text,
            message_count=1,
            payload_bytes=len(request.payload),
            **call_info,
        )

    # --- ServerStream -----------------------------------------------------------------------------------------

    def server_stream(self, request, context):
        call_info = self._call_info(context)
        watcher = CallWatcher(context)
        fails = request.fail_after > 0 and request.fail_with_code != 0
        outcome = []  # set once the call is counted, so the finally clause counts each call exactly once

        def count(kind):
            outcome.append(kind)
            self.stats.cancelled() if kind == "cancelled" else self.stats.completed()

        try:
            for sequence in range(request.count):
                if fails and sequence == request.fail_after:
                    count("completed")
                    context.abort(status_code(request.fail_with_code), request.fail_message)
                # interval_ms is the gap *between* messages: the first one goes out immediately.
                if sequence > 0 and not watcher.wait(request.interval_ms / 1000.0):
                    count("cancelled")
                    return
                if not context.is_active():
                    count("cancelled")
                    return
                yield self.EchoResponse(
                    payload=pattern_payload(request.payload_size),
                    sequence=sequence,
                    message_count=sequence + 1,
                    **call_info,
                )

            if fails and request.fail_after == request.count:
                count("completed")
                context.abort(status_code(request.fail_with_code), request.fail_message)
            count("completed")
        finally:
            # A cancelled call can also end while the generator waits at a yield: grpcio then closes the
            # generator (GeneratorExit) and the code above never resumes. That is a cancellation too.
            if not outcome:
                self.stats.cancelled()

    # --- ClientStream -----------------------------------------------------------------------------------------

    def client_stream(self, request_iterator, context):
        call_info = self._call_info(context)
        count = 0
        total_bytes = 0
        texts = []
        for request in request_iterator:
            count += 1
            total_bytes += len(request.payload)
            texts.append(request.text)
        if not context.is_active():
            self.stats.cancelled()
            return self.EchoResponse()
        self.stats.completed()
        return self.EchoResponse(
            text="".join(texts),
            message_count=count,
            payload_bytes=total_bytes,
            **call_info,
        )

    # --- Bidi -------------------------------------------------------------------------------------------------

    def bidi(self, request_iterator, context):
        call_info = self._call_info(context)
        sequence = 0
        # Each response is yielded as soon as its request arrives, so clients can ping-pong.
        for request in request_iterator:
            if request.fail_with_code != 0:
                self.stats.completed()
                context.abort(status_code(request.fail_with_code), request.fail_message)
            yield self.EchoResponse(
                payload=request.payload,
                text=request.text,
                sequence=sequence,
                message_count=sequence + 1,
                payload_bytes=len(request.payload),
                **call_info,
            )
            sequence += 1
        if context.is_active():
            self.stats.completed()
        else:
            self.stats.cancelled()

    # --- Stats ------------------------------------------------------------------------------------------------

    def get_stats(self, request, context):
        cancelled, completed = self.stats.snapshot()
        return self.StatsResponse(cancelled_calls=cancelled, completed_calls=completed)

    def handler(self):
        def unary(fn, req):
            return grpc.unary_unary_rpc_method_handler(
                fn, request_deserializer=req.FromString, response_serializer=self.EchoResponse.SerializeToString)

        return grpc.method_handlers_generic_handler(CONFORMANCE_SERVICE, {
            "Echo": unary(self.echo, self.EchoRequest),
            "ServerStream": grpc.unary_stream_rpc_method_handler(
                self.server_stream, request_deserializer=self.StreamRequest.FromString,
                response_serializer=self.EchoResponse.SerializeToString),
            "ClientStream": grpc.stream_unary_rpc_method_handler(
                self.client_stream, request_deserializer=self.EchoRequest.FromString,
                response_serializer=self.EchoResponse.SerializeToString),
            "Bidi": grpc.stream_stream_rpc_method_handler(
                self.bidi, request_deserializer=self.EchoRequest.FromString,
                response_serializer=self.EchoResponse.SerializeToString),
            "Stats": grpc.unary_unary_rpc_method_handler(
                self.get_stats, request_deserializer=self.StatsRequest.FromString,
                response_serializer=self.StatsResponse.SerializeToString),
        })


class HealthService:
    """grpc.health.v1.Health: SERVING for the whole server ("") and for the Conformance service."""

    KNOWN = ("", CONFORMANCE_SERVICE)

    def __init__(self, messages):
        self.Request = messages["grpc.health.v1.HealthCheckRequest"]
        self.Response = messages["grpc.health.v1.HealthCheckResponse"]

    def check(self, request, context):
        if request.service not in self.KNOWN:
            context.abort(grpc.StatusCode.NOT_FOUND, f"unknown service {request.service}")
        return self.Response(status=self.Response.SERVING)

    def watch(self, request, context):
        watcher = CallWatcher(context)
        known = request.service in self.KNOWN
        yield self.Response(status=self.Response.SERVING if known else self.Response.SERVICE_UNKNOWN)
        # The status never changes here: hold the stream open until the client cancels or the deadline passes.
        watcher.wait_until_terminated()

    def handler(self):
        return grpc.method_handlers_generic_handler(HEALTH_SERVICE, {
            "Check": grpc.unary_unary_rpc_method_handler(
                self.check, request_deserializer=self.Request.FromString,
                response_serializer=self.Response.SerializeToString),
            "Watch": grpc.unary_stream_rpc_method_handler(
                self.watch, request_deserializer=self.Request.FromString,
                response_serializer=self.Response.SerializeToString),
        })


def stdin_is_pipe():
    # Only a pipe/socket stdin signals "parent went away" on EOF; /dev/null or a TTY would stop us at once/never.
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--descriptor-set", required=True, help="FileDescriptorSet from make_descriptor_set.sh")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 = pick a free one)")
    parser.add_argument("--compress-responses", action="store_true", help="gzip-compress every response")
    args = parser.parse_args()

    messages = load_messages(args.descriptor_set, [
        "hybridehr.testing.v1.EchoRequest",
        "hybridehr.testing.v1.EchoResponse",
        "hybridehr.testing.v1.StreamRequest",
        "hybridehr.testing.v1.StatsRequest",
        "hybridehr.testing.v1.StatsResponse",
        "grpc.health.v1.HealthCheckRequest",
        "grpc.health.v1.HealthCheckResponse",
    ])

    # Compressed requests are always accepted; `compression` only chooses how responses are sent.
    # Blocking handlers (delays, streams, Watch) each hold a worker thread, hence a generous pool.
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=64),
        compression=grpc.Compression.Gzip if args.compress_responses else None,
    )
    server.add_generic_rpc_handlers((
        ConformanceService(messages).handler(),
        HealthService(messages).handler(),
    ))
    port = server.add_insecure_port(f"127.0.0.1:{args.port}")
    if port == 0:
        print(f"cannot bind 127.0.0.1:{args.port}", file=sys.stderr)
        return 1
    server.start()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if stdin_is_pipe():
        def watch_stdin():
            while sys.stdin.buffer.read(4096):
                pass
            stop.set()
        threading.Thread(target=watch_stdin, daemon=True).start()

    print(f"LISTENING {port}", flush=True)
    # Event.wait with a timeout in a loop keeps the main thread responsive to signals.
    while not stop.wait(0.5):
        pass
    server.stop(grace=1).wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())

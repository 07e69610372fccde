#!/usr/bin/python3
"""Asks a running service, as an outside gRPC client (grpcio, C-core) would: is it SERVING, which services do server
reflection v1alpha and v1 list, can v1 resolve each to its file, and what does a call without a token get? Prints one
JSON object {"health", "services", "services_v1", "resolved", "unauthenticated": {"code", "details"}}; the C# test
asserts.

Usage: check_service.py --target 127.0.0.1:PORT --descriptor-set PATH [--unauthenticated-method /pkg.Service/Method]
"""

import argparse
import json

import grpc
from descriptors import message_types


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True)
    parser.add_argument("--descriptor-set", required=True)
    parser.add_argument("--unauthenticated-method")
    args = parser.parse_args()
    message = message_types(args.descriptor_set)
    channel = grpc.insecure_channel(args.target)

    check = channel.unary_unary(
        "/grpc.health.v1.Health/Check",
        request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=message("grpc.health.v1.HealthCheckResponse").FromString)
    health = check(message("grpc.health.v1.HealthCheckRequest")(service=""), timeout=10)
    status_enum = health.DESCRIPTOR.fields_by_name["status"].enum_type

    reflect = channel.stream_stream(
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=message("grpc.reflection.v1alpha.ServerReflectionResponse").FromString)
    request = message("grpc.reflection.v1alpha.ServerReflectionRequest")(list_services="")
    services = [s.name for r in reflect(iter([request]), timeout=10) for s in r.list_services_response.service]

    reflect_v1 = channel.stream_stream(
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=message("grpc.reflection.v1.ServerReflectionResponse").FromString)
    request_v1 = message("grpc.reflection.v1.ServerReflectionRequest")
    services_v1 = [s.name for r in reflect_v1(iter([request_v1(list_services="")]), timeout=10) for s in r.list_services_response.service]
    lookups = [request_v1(file_containing_symbol=name) for name in services_v1]
    resolved = [name for name, r in zip(services_v1, reflect_v1(iter(lookups), timeout=10))
                if r.HasField("file_descriptor_response") and r.file_descriptor_response.file_descriptor_proto]

    report = {"health": status_enum.values_by_number[health.status].name, "services": services,
              "services_v1": services_v1, "resolved": resolved}
    if args.unauthenticated_method:
        call = channel.unary_unary(args.unauthenticated_method, request_serializer=lambda b: b, response_deserializer=lambda b: b)
        try:
            call(b"", timeout=10)
            report["unauthenticated"] = {"code": "OK", "details": ""}
        except grpc.RpcError as error:
            report["unauthenticated"] = {"code": error.code().name, "details": error.details()}
    print(json.dumps(report))


if __name__ == "__main__":
    main()

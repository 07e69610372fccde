#!/usr/bin/python3
"""Asks a running service, as an outside gRPC client (grpcio, C-core) would: is it SERVING, and which services does
server reflection list? Prints one JSON object {"health": "SERVING", "services": [...]}; the C# test asserts.

Usage: check_service.py --target 127.0.0.1:PORT --descriptor-set PATH
"""

import argparse
import json

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory


def load(descriptor_set_path):
    file_set = descriptor_pb2.FileDescriptorSet()
    with open(descriptor_set_path, "rb") as f:
        file_set.ParseFromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    for file_proto in file_set.file:
        pool.Add(file_proto)
    factory = message_factory.MessageFactory(pool)
    return lambda name: factory.GetPrototype(pool.FindMessageTypeByName(name))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True)
    parser.add_argument("--descriptor-set", required=True)
    args = parser.parse_args()
    message = load(args.descriptor_set)
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

    print(json.dumps({"health": status_enum.values_by_number[health.status].name, "services": services}))


if __name__ == "__main__":
    main()

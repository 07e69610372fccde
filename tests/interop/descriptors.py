"""Message classes from a FileDescriptorSet (made by make_descriptor_set.sh), for the scripts that call our services
without generated Python code (Debian's python3-protobuf 3.21 rejects gencode from newer protoc releases)."""

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory


def message_types(descriptor_set_path):
    """Returns a function from a full message name ("grpc.health.v1.HealthCheckRequest") to its class."""
    file_set = descriptor_pb2.FileDescriptorSet()
    with open(descriptor_set_path, "rb") as f:
        file_set.ParseFromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    # protoc --include_imports writes files in dependency order, so each Add finds its imports already present.
    for file_proto in file_set.file:
        pool.Add(file_proto)
    factory = message_factory.MessageFactory(pool)
    return lambda name: factory.GetPrototype(pool.FindMessageTypeByName(name))

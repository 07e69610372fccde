using HybridEhr.Contracts.Records.V1;
using HybridEhr.Grpc.Server;

namespace HybridEhr.Records;

/// <summary>
/// hybridehr.records.v1.Records. Methods are added as they are built; until then the gRPC stack answers UNIMPLEMENTED
/// for them, which is what a caller of an unfinished service should see.
/// </summary>
public sealed class RecordsService : IGrpcService
{
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => RecordsReflection.Descriptor.Services[0];
}

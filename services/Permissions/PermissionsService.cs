using HybridEhr.Contracts.Permissions.V1;
using HybridEhr.Grpc.Server;

namespace HybridEhr.Permissions;

/// <summary>
/// hybridehr.permissions.v1.Permissions. Methods are added as they are built; until then the gRPC stack answers UNIMPLEMENTED
/// for them, which is what a caller of an unfinished service should see.
/// </summary>
public sealed class PermissionsService : IGrpcService
{
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => PermissionsReflection.Descriptor.Services[0];
}

using HybridEhr.Contracts.Identity.V1;
using HybridEhr.Grpc.Server;

namespace HybridEhr.Identity;

/// <summary>
/// hybridehr.identity.v1.Identity. Methods are added as they are built; until then the gRPC stack answers UNIMPLEMENTED
/// for them, which is what a caller of an unfinished service should see.
/// </summary>
public sealed class IdentityService : IGrpcService
{
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => IdentityReflection.Descriptor.Services[0];
}

using HybridEhr.Contracts.FabricGateway.V1;
using HybridEhr.Grpc.Server;

namespace HybridEhr.FabricGateway;

/// <summary>
/// hybridehr.fabricgateway.v1.FabricGateway. Methods are added as they are built; until then the gRPC stack answers UNIMPLEMENTED
/// for them, which is what a caller of an unfinished service should see.
/// </summary>
public sealed class FabricGatewayService : IGrpcService
{
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => FabricGatewayReflection.Descriptor.Services[0];
}

using HybridEhr.Contracts.ImageNft.V1;
using HybridEhr.Grpc.Server;

namespace HybridEhr.ImageNft;

/// <summary>
/// hybridehr.imagenft.v1.ImageNft. Methods are added as they are built; until then the gRPC stack answers UNIMPLEMENTED
/// for them, which is what a caller of an unfinished service should see.
/// </summary>
public sealed class ImageNftService : IGrpcService
{
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => ImageNftReflection.Descriptor.Services[0];
}

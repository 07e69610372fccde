using HybridEhr.Grpc.Client;

namespace HybridEhr.Grpc.Health;

/// <summary>Typed client for grpc.health.v1.Health (the AppHost and tests use it to wait for services).</summary>
public sealed class HealthClient(GrpcChannel channel) : GrpcClient(channel)
{
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor Service = HealthReflection.Descriptor.Services[0];
    private static readonly Method<HealthCheckRequest, HealthCheckResponse> CheckMethod = Method<HealthCheckRequest, HealthCheckResponse>.Create(Service, "Check");
    private static readonly Method<HealthCheckRequest, HealthCheckResponse> WatchMethod = Method<HealthCheckRequest, HealthCheckResponse>.Create(Service, "Watch");

    public AsyncUnaryCall<HealthCheckResponse> Check(HealthCheckRequest request, CallOptions options = default) =>
        Channel.Unary(CheckMethod, request, options);

    public AsyncServerStreamingCall<HealthCheckResponse> Watch(HealthCheckRequest request, CallOptions options = default) =>
        Channel.ServerStreaming(WatchMethod, request, options);
}

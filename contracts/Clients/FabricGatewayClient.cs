using HybridEhr.Grpc.Client;

namespace HybridEhr.Contracts.FabricGateway.V1;

/// <summary>Typed client for hybridehr.fabricgateway.v1.FabricGateway: the calls services make on their users' behalf.</summary>
public sealed class FabricGatewayClient(GrpcChannel channel) : GrpcClient(channel)
{
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor Service = FabricGatewayReflection.Descriptor.Services[0];
    private static readonly Method<SubmitRequest, SubmitResponse> SubmitMethod = Method<SubmitRequest, SubmitResponse>.Create(Service, "Submit");
    private static readonly Method<EvaluateRequest, EvaluateResponse> EvaluateMethod = Method<EvaluateRequest, EvaluateResponse>.Create(Service, "Evaluate");

    public AsyncUnaryCall<SubmitResponse> Submit(SubmitRequest request, CallOptions options = default) => Channel.Unary(SubmitMethod, request, options);

    public AsyncUnaryCall<EvaluateResponse> Evaluate(EvaluateRequest request, CallOptions options = default) => Channel.Unary(EvaluateMethod, request, options);
}

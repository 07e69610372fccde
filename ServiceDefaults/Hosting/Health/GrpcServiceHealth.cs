using Grpc.AspNetCore.HealthChecks;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HybridEhr.ServiceDefaults.Health;

internal static class GrpcServiceHealth
{
    /// <summary>
    /// grpc.health.v1 answers for "" by default only; clients (grpcio, grpc_health_probe, the AppHost) also ask by
    /// service name, so each mapped gRPC service reports the same checks as the server. Reading the endpoints here,
    /// after Program.cs has mapped its services, needs no list kept by hand.
    /// </summary>
    public static void ReportEveryGrpcServiceInHealth(this WebApplication app)
    {
        var health = app.Services.GetRequiredService<IOptions<GrpcHealthChecksOptions>>().Value;
        var names = ((IEndpointRouteBuilder)app).DataSources
            .SelectMany(source => source.Endpoints)
            .Select(endpoint => endpoint.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method.ServiceName)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal);
        foreach (var name in names)
        {
            health.Services.Map(name, _ => true);
        }
    }
}

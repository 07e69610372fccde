using HybridEhr.Grpc.Health;
using HybridEhr.Grpc.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ServingStatus = HybridEhr.Grpc.Health.HealthCheckResponse.Types.ServingStatus;

namespace HybridEhr.ServiceDefaults;

/// <summary>The one call every service makes: gRPC over h2c, health, reflection and telemetry, configured alike.</summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>
    /// Kestrel speaks HTTP/2 without TLS (h2c) on the addresses given by --urls or "Urls"; the gRPC server reads
    /// its limits from the "Grpc" configuration section; telemetry goes to OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
    /// </summary>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Protocols = HttpProtocols.Http2);
            // Many concurrent calls share one connection between services; let them, and let streams move bulk data.
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
            kestrel.Limits.Http2.InitialConnectionWindowSize = 4 * 1024 * 1024;
            kestrel.Limits.Http2.InitialStreamWindowSize = 1024 * 1024;
        });

        // One line per request from the framework drowns the services' own logs; configuration can turn it back on.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.AddGrpcServer(options => builder.Configuration.GetSection("Grpc").Bind(options));
        builder.AddTelemetry();
        return builder;
    }

    /// <summary>Maps health, reflection and the UNIMPLEMENTED fallback, and reports NOT_SERVING while shutting down.</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapGrpcInfrastructure();
        var health = app.Services.GetRequiredService<HealthStatusRegistry>();
        app.Lifetime.ApplicationStopping.Register(() => health.SetAll(ServingStatus.NotServing));
        return app;
    }
}

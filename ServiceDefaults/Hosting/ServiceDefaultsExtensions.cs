using HybridEhr.ServiceDefaults.Doors;
using HybridEhr.ServiceDefaults.Errors;
using HybridEhr.ServiceDefaults.Health;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace HybridEhr.ServiceDefaults;

/// <summary>
/// The one call every service makes, shaped like Aspire's service-defaults template: gRPC (Grpc.AspNetCore) over h2c
/// with reflection and grpc.health.v1, health checks, OpenTelemetry, service discovery.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Sources and meters of our own code; each component names its ActivitySource/Meter "HybridEhr.&lt;Component&gt;".</summary>
    public const string OwnTelemetry = "HybridEhr.*";

    /// <summary>The health check that turns NOT_SERVING as soon as the host starts stopping, so callers move away first.</summary>
    public const string ShutdownCheck = "shutdown";

    /// <summary>
    /// Two Kestrel endpoints from configuration "Kestrel:Endpoints": <c>grpc</c> (HTTP/2 without TLS, h2c) and
    /// <c>http</c> (HTTP/1.1: JSON, gRPC-Web, OpenAPI, probes), because cleartext HTTP/2 needs an endpoint that speaks
    /// nothing else. Addresses given by --urls replace both with one h2c endpoint (tests, one-off runs). The gRPC
    /// server reads its options from the "Grpc" section (GrpcServiceOptions: MaxReceiveMessageSize, ...).
    /// </summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        if (builder is WebApplicationBuilder web)
        {
            web.WebHost.PreferHostingUrls(true);
            web.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.AddServerHeader = false;
                kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Protocols = HttpProtocols.Http2);
                // Many concurrent calls share one connection between services; let them, and let streams move bulk data.
                kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
                kestrel.Limits.Http2.InitialConnectionWindowSize = 4 * 1024 * 1024;
                kestrel.Limits.Http2.InitialStreamWindowSize = 1024 * 1024;
            });
        }

        // One line per request from the framework drowns the services' own logs; configuration can turn it back on.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc.AspNetCore.Server.ServerCallHandler", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        // The health publisher logs every unhealthy check as an error every 5 s, starting before the bus and the chains
        // are up: alarms on every start. The components log their own transitions; /health and grpc.health show the state.
        builder.Logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService", LogLevel.Critical);

        var grpc = builder.Services.AddGrpc(options =>
        {
            builder.Configuration.GetSection("Grpc").Bind(options);
            // Outermost first: every refusal leaving a handler, the INTERNAL of an unexpected failure included, gets its details.
            options.Interceptors.Add<StatusDetailsInterceptor>();
            options.Interceptors.Add<UnhandledErrorInterceptor>();
        });
        builder.AddFrontendDoors(grpc);
        builder.Services.AddGrpcReflection();
        builder.AddDefaultHealthChecks();
        builder.ConfigureOpenTelemetry();

        builder.Services.AddServiceDiscovery();
        // Service discovery on every HttpClient (gRPC clients included). No standard resilience handler on them: its
        // attempt timeout would cut long-lived streams, and its retries would repeat writes; gRPC calls set their own
        // deadlines, and only idempotent ones retry.
        builder.Services.ConfigureHttpClientDefaults(http => http.AddServiceDiscovery());
        return builder;
    }

    /// <summary>grpc.health.v1 fed by the ASP.NET Core health checks; "self" and "shutdown" are always there.</summary>
    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddSingleton<ShutdownHealthCheck>();
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), ["live"])
            .AddCheck<ShutdownHealthCheck>(ShutdownCheck);
        builder.Services.AddGrpcHealthChecks();
        // Health/Watch streams what the publisher last saw: start at once and look often, so a watcher is not
        // told SERVICE_UNKNOWN for the first seconds, nor told of a change half a minute late.
        builder.Services.Configure<HealthCheckPublisherOptions>(publisher =>
        {
            publisher.Delay = TimeSpan.Zero;
            publisher.Period = TimeSpan.FromSeconds(5);
        });
        return builder;
    }

    /// <summary>Traces, metrics and logs through OpenTelemetry; exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.</summary>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Configuration["OTEL_SERVICE_NAME"] ?? builder.Environment.ApplicationName))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(OwnTelemetry, "MassTransit"))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName, OwnTelemetry, "MassTransit")
                // Health probes every few seconds would bury the calls people look for.
                .AddAspNetCoreInstrumentation(aspnet => aspnet.Filter = http =>
                    !http.Request.Path.StartsWithSegments("/grpc.health.v1.Health") && !http.Request.Path.StartsWithSegments("/health")
                    && !http.Request.Path.StartsWithSegments("/alive"))
                .AddHttpClientInstrumentation());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>
    /// The frontend doors (gRPC-Web, CORS, /openapi/v1.json), grpc.health.v1 (every mapped service reported under its own
    /// name as well as ""), reflection v1 and v1alpha, and the HTTP probes /health (everything) and /alive (the process only).
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.UseFrontendDoors();
        // Open to anyone, as orchestrators, load balancers and grpcurl expect; everything else needs a token.
        app.MapGrpcReflectionService().AllowAnonymous();
        app.MapGrpcHealthChecksService().AllowAnonymous();
        app.MapHealthChecks("/health").AllowAnonymous();
        app.MapHealthChecks("/alive", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions { Predicate = check => check.Tags.Contains("live") })
            .AllowAnonymous();
        app.ReportEveryGrpcServiceInHealth();
        return app;
    }
}

using Microsoft.AspNetCore.Builder;
using Google.Protobuf.Reflection;
using Google.Rpc;
using Grpc.AspNetCore.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.OpenApi.Models;

namespace HybridEhr.ServiceDefaults.Doors;

/// <summary>
/// The three doors frontends use, to the same service methods with the same bearer token: gRPC (h2c, the grpc
/// endpoint), gRPC-Web for browsers, and JSON over HTTP/1.1 on the routes the contracts' google.api.http annotations
/// name (the http endpoint), described by an OpenAPI document at /openapi/v1.json. Streams stay gRPC and gRPC-Web.
/// </summary>
public static class FrontendDoors
{
    public const string OpenApiRoute = "openapi/{documentName}.json";
    public const string CorsPolicy = "frontends";

    /// <summary>Browser origins allowed to call the service (configuration "Frontends:Origins"); none unless set.</summary>
    public const string OriginsKey = "Frontends:Origins";

    public static void AddFrontendDoors(this IHostApplicationBuilder builder, IGrpcServerBuilder grpc)
    {
        // The refusals' google.rpc.Status details (Errors/StatusDetailsInterceptor) are Any: JSON needs their types to write them.
        grpc.AddJsonTranscoding(json => json.TypeRegistry = TypeRegistry.FromMessages(ErrorInfo.Descriptor, BadRequest.Descriptor));
        builder.Services.AddGrpcSwagger();
        builder.Services.AddSwaggerGen(options =>
        {
            var service = builder.Configuration["OTEL_SERVICE_NAME"] ?? builder.Environment.ApplicationName;
            options.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = service,
                Version = "v1",
                Description = "JSON routes of the service's gRPC methods (gRPC JSON transcoding). Send the access token from "
                    + "Identity's Login as 'Authorization: Bearer <token>'.",
            });
            options.AddSecurityDefinition("bearer", new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "JWT", Description = "An access token from Identity's Login.",
            });
            options.AddSecurityRequirement(new OpenApiSecurityRequirement
            {
                [new OpenApiSecurityScheme { Reference = new OpenApiReference { Type = ReferenceType.SecurityScheme, Id = "bearer" } }] = [],
            });
            // The proto comments (methods, fields, the errors each method returns) become the document's descriptions.
            var contractDocs = Path.Combine(AppContext.BaseDirectory, "HybridEhr.Contracts.xml");
            if (File.Exists(contractDocs))
            {
                options.IncludeXmlComments(contractDocs, includeControllerXmlComments: true);
                options.OperationFilter<ProtoCommentsOperationFilter>(contractDocs);
            }
        });

        var origins = builder.Configuration.GetSection(OriginsKey).Get<string[]>() ?? [];
        builder.Services.AddCors(cors => cors.AddPolicy(CorsPolicy, policy => policy
            .WithOrigins(origins)
            .AllowAnyHeader()
            .AllowAnyMethod()
            // A browser hides every response header it is not told about; gRPC-Web clients need these.
            .WithExposedHeaders("grpc-status", "grpc-message", "grpc-status-details-bin", "grpc-encoding", "grpc-accept-encoding")));
    }

    /// <summary>gRPC-Web on every gRPC service, CORS for the configured origins, and the OpenAPI document (open to anyone).</summary>
    public static void UseFrontendDoors(this WebApplication app)
    {
        app.UseCors(CorsPolicy);
        app.UseGrpcWeb(new GrpcWebOptions { DefaultEnabled = true });
        app.MapSwagger(OpenApiRoute).AllowAnonymous();
    }
}

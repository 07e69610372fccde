using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;
using HybridEhr.Grpc.Health;
using HybridEhr.Grpc.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServingStatus = HybridEhr.Grpc.Health.HealthCheckResponse.Types.ServingStatus;

namespace HybridEhr.Grpc.Server;

/// <summary>An implementation class that names the service it implements, so it can be mapped without arguments.</summary>
public interface IGrpcService
{
    static abstract ServiceDescriptor Descriptor { get; }
}

/// <summary>The services a server exposes; reflection and health read it.</summary>
public sealed class GrpcServiceRegistry
{
    private readonly List<ServiceDescriptor> _services = [];
    private readonly Lock _lock = new();

    public IReadOnlyList<ServiceDescriptor> Services
    {
        get
        {
            lock (_lock)
            {
                return [.. _services];
            }
        }
    }

    internal bool TryAdd(ServiceDescriptor service)
    {
        lock (_lock)
        {
            if (_services.Any(s => s.FullName == service.FullName))
            {
                return false;
            }

            _services.Add(service);
            return true;
        }
    }
}

public static class GrpcServerExtensions
{
    /// <summary>Adds the gRPC server with the standard health and reflection services.</summary>
    public static IServiceCollection AddGrpcServer(this IServiceCollection services, Action<GrpcServerOptions>? configure = null)
    {
        services.AddRouting();
        var options = services.AddOptions<GrpcServerOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton<GrpcDispatcher>();
        services.TryAddSingleton<GrpcServiceRegistry>();
        services.TryAddSingleton<HealthStatusRegistry>();
        services.TryAddSingleton<HealthService>();
        services.TryAddSingleton<ReflectionService>();
        services.TryAddSingleton<ReflectionV1Service>();
        return services;
    }

    /// <summary>Adds an interceptor around every call; the first added is the outermost.</summary>
    public static IServiceCollection AddGrpcInterceptor<TInterceptor>(this IServiceCollection services)
        where TInterceptor : class, IServerInterceptor
    {
        services.AddSingleton<IServerInterceptor, TInterceptor>();
        return services;
    }

    public static IEndpointConventionBuilder MapGrpcService<TService>(this IEndpointRouteBuilder endpoints)
        where TService : class, IGrpcService =>
        endpoints.MapGrpcService<TService>(TService.Descriptor);

    /// <summary>Binds <typeparamref name="TService"/>'s methods to <paramref name="descriptor"/> and maps one endpoint per method.</summary>
    public static IEndpointConventionBuilder MapGrpcService<TService>(this IEndpointRouteBuilder endpoints, ServiceDescriptor descriptor)
        where TService : class
    {
        var services = endpoints.ServiceProvider;
        var registry = services.GetRequiredService<GrpcServiceRegistry>();
        if (!registry.TryAdd(descriptor))
        {
            throw new InvalidOperationException($"The gRPC service {descriptor.FullName} is mapped twice.");
        }

        services.GetRequiredService<HealthStatusRegistry>().SetStatus(descriptor.FullName, ServingStatus.Serving);
        var dispatcher = services.GetRequiredService<GrpcDispatcher>();
        var builders = new List<IEndpointConventionBuilder>();
        foreach (var handler in ServiceBinder.Bind(typeof(TService), descriptor))
        {
            // Any HTTP method reaches the dispatcher, which answers non-POST requests with 405 as the spec asks.
            builders.Add(endpoints.Map(handler.Path, dispatcher.CreateEndpoint(handler))
                .WithDisplayName($"gRPC {descriptor.FullName}/{handler.Descriptor.Name}"));
        }

        return new CompositeConventionBuilder(builders);
    }

    /// <summary>Maps health (grpc.health.v1), reflection (v1alpha and v1) and the UNIMPLEMENTED answer for unknown methods.</summary>
    public static IEndpointRouteBuilder MapGrpcInfrastructure(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<HealthService>(HealthReflection.Descriptor.Services[0]);
        endpoints.MapGrpcService<ReflectionService>(ReflectionV1Alpha.ReflectionV1AlphaReflection.Descriptor.Services[0]);
        endpoints.MapGrpcService<ReflectionV1Service>(ReflectionV1.ReflectionV1Reflection.Descriptor.Services[0]);
        var registry = endpoints.ServiceProvider.GetRequiredService<GrpcServiceRegistry>();
        endpoints.MapFallback(http => AnswerUnknownAsync(http, registry));
        return endpoints;
    }

    private static Task AnswerUnknownAsync(HttpContext http, GrpcServiceRegistry registry)
    {
        if (!GrpcDispatcher.IsGrpcContentType(http.Request.ContentType))
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        // "/package.Service/Method": tell apart an unknown service from an unknown method of a known one.
        var path = http.Request.Path.Value ?? "";
        var slash = path.IndexOf('/', 1);
        var serviceName = slash > 1 ? path[1..slash] : path.TrimStart('/');
        var known = registry.Services.Any(s => s.FullName == serviceName);
        ServerCall.WriteTrailersOnly(http, new Status(StatusCode.Unimplemented,
            known ? $"Method is unimplemented: {path}" : $"Service is unimplemented: {serviceName}"));
        return Task.CompletedTask;
    }

    private sealed class CompositeConventionBuilder(IReadOnlyList<IEndpointConventionBuilder> builders) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            foreach (var builder in builders)
            {
                builder.Add(convention);
            }
        }
    }
}

using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using IdentityApi = HybridEhr.Contracts.Identity.V1.Identity;

namespace HybridEhr.Security;

public static class SecurityExtensions
{
    /// <summary>
    /// Every call of this service needs a valid access token, except <paramref name="anonymousMethods"/>. Tokens are
    /// checked against Identity's public keys (service "identity"), unless the service registered its own
    /// <see cref="IAccessTokenKeySource"/> first (Identity itself does).
    /// </summary>
    public static WebApplicationBuilder AddAccessTokenAuthentication(this WebApplicationBuilder builder, params string[] anonymousMethods)
    {
        var anonymous = new AnonymousMethods();
        foreach (var method in anonymousMethods)
        {
            anonymous.Add(method);
        }

        builder.Services.AddSingleton(anonymous);
        builder.Services.TryAddSingleton(TimeProvider.System);
        if (!builder.Services.Any(service => service.ServiceType == typeof(IAccessTokenKeySource)))
        {
            builder.Services.AddServiceGrpcClient<IdentityApi.IdentityClient>("identity");
            builder.Services.AddSingleton<IAccessTokenKeySource, IdentitySigningKeys>();
        }

        builder.Services.AddSingleton(new AccessTokenValidationOptions(
            builder.Configuration.GetValue("Security:ClockSkew", AccessTokens.DefaultClockSkew)));
        builder.Services.AddSingleton<AccessTokenValidator>();
        builder.Services.Configure<GrpcServiceOptions>(options => options.Interceptors.Add<AuthenticationInterceptor>());
        return builder;
    }

    /// <summary>
    /// The address of another service, from configuration "services:&lt;name&gt;:grpc:0" (Aspire's service-discovery
    /// form; the AppHost sets it as the environment variable services__&lt;name&gt;__grpc__0).
    /// </summary>
    public static string GetServiceAddress(this IConfiguration configuration, string name) =>
        configuration[$"services:{name}:grpc:0"]
        ?? throw new InvalidOperationException(
            $"No address for the '{name}' service: set configuration services:{name}:grpc:0 (environment services__{name}__grpc__0).");

    /// <summary>The URI that service discovery resolves to the <c>grpc</c> endpoint of <paramref name="service"/>.</summary>
    public static Uri ServiceUri(string service) => new($"http://_grpc.{service}");

    /// <summary>A generated client of another of our services, its address found by service discovery, no token attached.</summary>
    public static IHttpClientBuilder AddServiceGrpcClient<TClient>(this IServiceCollection services, string service)
        where TClient : class =>
        services.AddGrpcClient<TClient>(options => options.Address = ServiceUri(service));

    /// <summary>
    /// A generated client whose calls carry the current caller's token (the call being served on this flow), or the
    /// token <paramref name="fallbackToken"/> gives when there is no caller (e.g. a service acting for itself).
    /// </summary>
    public static IHttpClientBuilder AddForwardingGrpcClient<TClient>(
        this IServiceCollection services, string service, Func<IServiceProvider, CancellationToken, ValueTask<string?>>? fallbackToken = null)
        where TClient : class =>
        services.AddServiceGrpcClient<TClient>(service)
            .AddCallCredentials(async (context, metadata, provider) =>
            {
                var token = CallerContextExtensions.CurrentCaller?.Token
                    ?? (fallbackToken is null ? null : await fallbackToken(provider, context.CancellationToken).ConfigureAwait(false));
                if (token is not null)
                {
                    metadata.Add("authorization", "Bearer " + token);
                }
            })
            // Services talk h2c on the loopback or a private network; TLS, where there is any, ends in front of them.
            .ConfigureChannel(channel => channel.UnsafeUseInsecureChannelCallCredentials = true);

    /// <summary>PERMISSION_DENIED unless the caller has one of <paramref name="roles"/>.</summary>
    public static Caller RequireRole(this ServerCallContext context, params string[] roles)
    {
        var caller = context.GetCaller();
        if (!roles.Contains(caller.Claims.Role, StringComparer.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"This call is for {string.Join(" or ", roles)} accounts; you are signed in as a {caller.Claims.Role}."));
        }

        return caller;
    }
}

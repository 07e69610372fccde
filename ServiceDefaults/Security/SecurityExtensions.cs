using System.Collections.Concurrent;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HybridEhr.Security;

public static class SecurityExtensions
{
    /// <summary>The HttpClient (IHttpClientFactory name) that fetches Identity's JWKS.</summary>
    public const string JwksClient = "HybridEhr.Jwks";

    /// <summary>
    /// Every call needs a valid access token (JwtBearer, a fallback policy) except endpoints marked
    /// [AllowAnonymous] (registration, login, health, reflection, the JWKS). Tokens are checked against the keys of a
    /// registered <see cref="IAccessTokenKeySource"/> (Identity's own), or else against Identity's JWKS, found by service
    /// discovery at the <c>http</c> endpoint of "identity" (configuration services:identity:http:0), fetched again when
    /// a token names a key it does not know (rotation needs no restart). Roles are checked by the policies named after
    /// them (<see cref="Roles"/>), e.g. [Authorize(Roles.Doctor)].
    /// </summary>
    public static WebApplicationBuilder AddAccessTokenAuthentication(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        var clockSkew = builder.Configuration.GetValue("Security:ClockSkew", AccessTokens.DefaultClockSkew);
        services.AddHttpClient(JwksClient, http => http.Timeout = TimeSpan.FromSeconds(5));
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IServiceProvider>((options, provider) =>
            {
                options.MapInboundClaims = false;
                options.TokenValidationParameters = AccessTokens.ValidationParameters(provider.GetRequiredService<TimeProvider>(), clockSkew);
                if (provider.GetService<IAccessTokenKeySource>() is { } ownKeys)
                {
                    var wrapped = new ConcurrentDictionary<string, SecurityKey>(StringComparer.Ordinal);
                    options.TokenValidationParameters.IssuerSigningKeyResolver = (_, _, keyId, _) =>
                        keyId is not null && ownKeys.Find(keyId) is { } key
                            ? [wrapped.GetOrAdd(keyId, id => new ECDsaSecurityKey(key) { KeyId = id })]
                            : [];
                }
                else
                {
                    // Services talk plain HTTP on the loopback or a private network; TLS, where there is any, ends in front of them.
                    var documents = new HttpDocumentRetriever(provider.GetRequiredService<IHttpClientFactory>().CreateClient(JwksClient)) { RequireHttps = false };
                    options.ConfigurationManager = new ConfigurationManager<OpenIdConnectConfiguration>(
                        new Uri(ServiceUri("identity", "http"), SigningKeySet.Path).ToString(), new SigningKeySet.Retriever(), documents)
                    {
                        AutomaticRefreshInterval = TimeSpan.FromHours(1),
                        RefreshInterval = TimeSpan.FromSeconds(5),
                    };
                }
            });
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Roles.Patient, policy => policy.RequireRole(Roles.Patient))
            .AddPolicy(Roles.Doctor, policy => policy.RequireRole(Roles.Doctor))
            .AddPolicy(Roles.Service, policy => policy.RequireRole(Roles.Service));
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, GrpcAuthorizationResultHandler>();
        services.Configure<GrpcServiceOptions>(options => options.Interceptors.Add<CallerInterceptor>());
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

    /// <summary>The URI that service discovery resolves to the named endpoint (<c>grpc</c> unless said) of <paramref name="service"/>.</summary>
    public static Uri ServiceUri(string service, string endpoint = "grpc") => new($"http://_{endpoint}.{service}");

    /// <summary>
    /// A generated client of another of our services, its address found by service discovery, no token attached; a
    /// unary call without a deadline gets <see cref="DefaultDeadlineInterceptor.Default"/>.
    /// </summary>
    public static IHttpClientBuilder AddServiceGrpcClient<TClient>(this IServiceCollection services, string service)
        where TClient : class =>
        services.AddGrpcClient<TClient>(options => options.Address = ServiceUri(service))
            .AddInterceptor(() => new DefaultDeadlineInterceptor());

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
}

using HybridEhr.Grpc;
using HybridEhr.Grpc.Client;
using HybridEhr.Grpc.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HybridEhr.Security;

public static class SecurityExtensions
{
    /// <summary>
    /// Every call of this service needs a valid access token, except <paramref name="anonymousMethods"/>. Tokens are
    /// checked against Identity's public keys (configuration "Services:identity"), unless the service registered its
    /// own <see cref="IAccessTokenKeySource"/> first (Identity itself does).
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
        builder.Services.TryAddSingleton<IAccessTokenKeySource>(services => new IdentitySigningKeys(
            GrpcChannel.ForAddress(builder.Configuration.GetServiceAddress("identity")), services.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(new AccessTokenValidationOptions(
            builder.Configuration.GetValue("Security:ClockSkew", AccessTokens.DefaultClockSkew)));
        builder.Services.AddSingleton<AccessTokenValidator>();
        builder.Services.AddGrpcInterceptor<AuthenticationInterceptor>();
        return builder;
    }

    /// <summary>The address of another service, from configuration "Services:&lt;name&gt;" (the AppHost sets it).</summary>
    public static string GetServiceAddress(this IConfiguration configuration, string name) =>
        configuration[$"Services:{name}"]
        ?? throw new InvalidOperationException($"No address for the '{name}' service: set configuration Services:{name} (environment Services__{name}).");

    /// <summary>A channel whose calls carry the current caller's token (or the given fallback, e.g. a service token).</summary>
    public static GrpcChannel CreateForwardingChannel(string address, Func<CancellationToken, ValueTask<string?>>? fallbackToken = null) =>
        GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            MetadataProvider = async (metadata, cancellationToken) =>
            {
                var token = CallerContextExtensions.CurrentCaller?.Token
                    ?? (fallbackToken is null ? null : await fallbackToken(cancellationToken).ConfigureAwait(false));
                if (token is not null)
                {
                    metadata.Add("authorization", "Bearer " + token);
                }
            },
        });

    /// <summary>PERMISSION_DENIED unless the caller has one of <paramref name="roles"/>.</summary>
    public static Caller RequireRole(this ServerCallContext context, params string[] roles)
    {
        var caller = context.GetCaller();
        if (!roles.Contains(caller.Claims.Role, StringComparer.Ordinal))
        {
            throw new RpcException(StatusCode.PermissionDenied,
                $"This call is for {string.Join(" or ", roles)} accounts; you are signed in as a {caller.Claims.Role}.");
        }

        return caller;
    }
}

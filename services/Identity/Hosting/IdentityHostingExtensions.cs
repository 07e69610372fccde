using HybridEhr.Clients.Devnet;
using HybridEhr.Clients.Substrate.Contracts;
using HybridEhr.Devnet.Ledger;
using Grpc.Core;
using HybridEhr.Identity.Accounts;
using HybridEhr.Identity.Chain;
using HybridEhr.Identity.Crypto;
using HybridEhr.Identity.Doctors;
using HybridEhr.Identity.Events;
using HybridEhr.Identity.Keys;
using HybridEhr.Identity.Login;
using HybridEhr.Identity.Passwords;
using HybridEhr.Identity.Registration;
using HybridEhr.Identity.Signing;
using HybridEhr.Identity.Tokens;
using HybridEhr.Messaging;
using HybridEhr.Security;
using HybridEhr.ServiceDefaults;
using FabricGatewayApi = HybridEhr.Contracts.FabricGateway.V1.FabricGateway;

namespace HybridEhr.Identity.Hosting;

/// <summary>Identity's wiring, one method per concern, in the order Program.cs calls them.</summary>
public static class IdentityHostingExtensions
{
    /// <summary>Settings, the master key, the account store, the custodial keystore and password hashing.</summary>
    public static WebApplicationBuilder AddIdentityStorage(this WebApplicationBuilder builder)
    {
        var options = IdentityOptions.FromConfiguration(builder.Configuration);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(services => KeyEncryptionKey.Load(
            options.MasterKey, options.DataDirectory, services.GetRequiredService<ILoggerFactory>().CreateLogger<KeyEncryptionKey>()));
        builder.Services.AddSingleton(services => new AccountStore(options.DataDirectory, services.GetRequiredService<KeyEncryptionKey>()));
        builder.Services.AddSingleton(services => new ChainKeyStore(options.DataDirectory, services.GetRequiredService<KeyEncryptionKey>()));
        builder.Services.AddSingleton(new PasswordHasher(options.PasswordIterations));
        return builder;
    }

    /// <summary>
    /// The ES256 signing key, token issuing, and token checks (JwtBearer) on every call but the [AllowAnonymous] ones (Register, Login, GetSigningKeys).
    /// Identity's own key source is registered first, so the shared authentication does not ask Identity over the network.
    /// </summary>
    public static WebApplicationBuilder AddIdentityTokens(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(services => TokenSigningKey.LoadOrCreate(
            services.GetRequiredService<IdentityOptions>().DataDirectory, services.GetRequiredService<KeyEncryptionKey>(), services.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(services =>
        {
            var options = services.GetRequiredService<IdentityOptions>();
            return new TokenIssuer(services.GetRequiredService<TokenSigningKey>(), services.GetRequiredService<TimeProvider>(),
                options.AccessTokenLifetime, options.ServiceTokenLifetime);
        });
        builder.Services.AddSingleton<IAccessTokenKeySource>(services => new OwnSigningKeySource(services.GetRequiredService<TokenSigningKey>()));
        builder.AddAccessTokenAuthentication();
        return builder;
    }

    /// <summary>
    /// The permission chain ("PermissionChain:Mode": the devnet, service "devnet", by default, or a Substrate node,
    /// docs/substrate.md) and FabricGateway (service "fabricgateway"). Addresses are resolved on first call, so the
    /// service starts (and answers health) before they are reachable.
    /// </summary>
    public static WebApplicationBuilder AddIdentityChains(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (PermissionChainConfiguration.IsSubstrate(configuration))
        {
            var substrate = ContractConnectionOptions.Read(
                key => PermissionChainConfiguration.SubstrateSetting(configuration, key), PermissionChainConfiguration.SubstratePrefix);
            builder.Services.AddSingleton(new ContractConnection(substrate));
            builder.Services.AddSingleton(services => new SubstratePayloadPolicy(services.GetRequiredService<ContractConnection>()));
            builder.Services.AddSingleton<IPermissionChain>(services => new SubstratePermissionChain(
                services.GetRequiredService<ContractConnection>(), RegistrarKey(services.GetRequiredService<IdentityOptions>())));
        }
        else
        {
            builder.Services.AddServiceGrpcClient<DevnetClient>("devnet");
            builder.Services.AddSingleton<IPermissionChain>(services => new DevnetPermissionChain(
                () => new DevnetChain(services.GetRequiredService<DevnetClient>(), DevAccounts.PermissionChain, DevAccounts.PermissionChainId),
                RegistrarKey(services.GetRequiredService<IdentityOptions>())));
        }

        builder.Services.AddServiceGrpcClient<FabricGatewayApi.FabricGatewayClient>("fabricgateway")
            // Always Identity's own token: a registering user has none, and the gateway serves services only.
            .AddCallCredentials((_, metadata, services) =>
            {
                metadata.Add("authorization", "Bearer " + services.GetRequiredService<TokenIssuer>().ServiceToken());
                return Task.CompletedTask;
            })
            .ConfigureChannel(channel => channel.UnsafeUseInsecureChannelCallCredentials = true);
        builder.Services.AddSingleton<IDoctorRegistry, FabricGatewayDoctorRegistry>();
        return builder;
    }

    /// <summary>MassTransit (in memory unless ConnectionStrings:rabbitmq) behind a durable outbox in the data directory.</summary>
    public static WebApplicationBuilder AddIdentityEvents(this WebApplicationBuilder builder)
    {
        builder.AddEventBus();
        builder.Services.AddSingleton(services => new DurableOutbox(
            Path.Combine(services.GetRequiredService<IdentityOptions>().DataDirectory, "outbox"), services, services.GetRequiredService<ILogger<DurableOutbox>>()));
        builder.Services.AddHostedService(services => services.GetRequiredService<DurableOutbox>());
        builder.Services.AddSingleton<IIntegrationEventSink, OutboxEventSink>();
        return builder;
    }

    /// <summary>Registration (with its background recovery), login, and transaction signing.</summary>
    public static WebApplicationBuilder AddIdentityAccounts(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<Registrar>();
        builder.Services.AddSingleton(services =>
        {
            var options = services.GetRequiredService<IdentityOptions>();
            return new LoginThrottle(options.MaxFailedLogins, options.FailedLoginWindow, services.GetRequiredService<TimeProvider>());
        });
        builder.Services.AddSingleton<Authenticator>();
        builder.Services.AddSingleton(services => new TransactionSigningService(
            services.GetRequiredService<ChainKeyStore>(), new HashSet<string>([DevAccounts.PermissionChainId, DevAccounts.RecordsChainId], StringComparer.Ordinal),
            services.GetService<SubstratePayloadPolicy>()));
        builder.Services.AddHostedService<ChainMaintenanceService>();
        builder.Services.AddSingleton<IdentityService>();
        return builder;
    }

    private static DevnetKey RegistrarKey(IdentityOptions options) =>
        options.RegistrarSeed is { } seed ? DevnetKey.FromSeedHex(seed) : DevAccounts.Registrar;

    /// <summary>
    /// The public token keys as a JWKS at /.well-known/jwks.json, for JwtBearer in the other services and anyone
    /// checking a token; cached as long as GetSigningKeys says.
    /// </summary>
    public static WebApplication MapSigningKeySet(this WebApplication app)
    {
        app.MapGet(SigningKeySet.Path, (TokenSigningKey key, HttpContext http) =>
            {
                http.Response.Headers.CacheControl = $"public, max-age={(int)IdentityService.SigningKeysCacheFor.TotalSeconds}";
                return Results.Text(SigningKeySet.ToJson([(key.KeyId, key.PublicKey)]), "application/json");
            })
            .AllowAnonymous();
        return app;
    }
}

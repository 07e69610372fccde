using System.Collections.Concurrent;
using System.Security.Cryptography;
using HybridEhr.Contracts.Identity.V1;
using Grpc.Core;
using Grpc.Core.Interceptors;
using IdentityApi = HybridEhr.Contracts.Identity.V1.Identity;

namespace HybridEhr.Security;

/// <summary>The authenticated caller of the current call: its claims and the token it presented (for forwarding).</summary>
public sealed record Caller(AccessTokenClaims Claims, string Token)
{
    public string AccountId => Claims.Subject;

    public bool IsPatient => Claims.Role == Roles.Patient;

    public bool IsDoctor => Claims.Role == Roles.Doctor;

    public bool IsService => Claims.Role == Roles.Service;
}

/// <summary>Where validators find the public key a token names.</summary>
public interface IAccessTokenKeySource
{
    ValueTask<ECDsa?> FindAsync(string keyId, CancellationToken cancellationToken);
}

/// <summary>How much clock difference between services a token's lifetime tolerates (configuration Security:ClockSkew).</summary>
public sealed record AccessTokenValidationOptions(TimeSpan ClockSkew);

/// <summary>Validates bearer tokens against the keys of <see cref="IAccessTokenKeySource"/>.</summary>
public sealed class AccessTokenValidator(IAccessTokenKeySource keys, TimeProvider time, AccessTokenValidationOptions options)
{
    public async ValueTask<AccessTokenClaims> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        var keyId = AccessTokens.ReadKeyId(token) ?? throw AccessTokens.Unauthenticated("The access token is malformed.");
        var key = await keys.FindAsync(keyId, cancellationToken).ConfigureAwait(false)
            ?? throw AccessTokens.Unauthenticated("The access token was signed by an unknown key.");
        return AccessTokens.Validate(token, key, time.GetUtcNow(), options.ClockSkew);
    }
}

/// <summary>
/// Requires a valid bearer token on every call except the ones named anonymous (registration, login, the
/// standard health and reflection services, and whatever a service adds). The caller is then available to
/// handlers through <see cref="CallerContextExtensions.GetCaller"/> and is forwarded on the calls they make.
/// </summary>
public sealed class AuthenticationInterceptor(AccessTokenValidator validator, AnonymousMethods anonymous) : Interceptor
{
    private const string Scheme = "Bearer ";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        using var scope = new CallerScope(await AuthenticateAsync(context).ConfigureAwait(false));
        return await continuation(request, context).ConfigureAwait(false);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var scope = new CallerScope(await AuthenticateAsync(context).ConfigureAwait(false));
        return await continuation(requestStream, context).ConfigureAwait(false);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var scope = new CallerScope(await AuthenticateAsync(context).ConfigureAwait(false));
        await continuation(request, responseStream, context).ConfigureAwait(false);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var scope = new CallerScope(await AuthenticateAsync(context).ConfigureAwait(false));
        await continuation(requestStream, responseStream, context).ConfigureAwait(false);
    }

    /// <summary>The validated bearer of the call's token, or null for an anonymous method.</summary>
    private async Task<Caller?> AuthenticateAsync(ServerCallContext context)
    {
        if (anonymous.Contains(context.Method))
        {
            return null;
        }

        var header = context.RequestHeaders.GetValue("authorization");
        if (header is null || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw AccessTokens.Unauthenticated("This call needs an access token: send 'authorization: Bearer <token>' (see Identity/Login).");
        }

        var token = header[Scheme.Length..].Trim();
        var claims = await validator.ValidateAsync(token, context.CancellationToken).ConfigureAwait(false);
        var caller = new Caller(claims, token);
        context.UserState[typeof(Caller)] = caller;
        return caller;
    }

    /// <summary>
    /// The caller flows with the call (an AsyncLocal), so the clients its handler uses forward its token. It must be
    /// set in the method that awaits the handler: a value set inside an awaited async method is gone when it returns.
    /// </summary>
    private readonly struct CallerScope : IDisposable
    {
        private readonly Caller? _previous;
        private readonly bool _entered;

        public CallerScope(Caller? caller)
        {
            _previous = CallerContextExtensions.Current.Value;
            _entered = caller is not null;
            if (_entered)
            {
                CallerContextExtensions.Current.Value = caller;
            }
        }

        public void Dispose()
        {
            if (_entered)
            {
                CallerContextExtensions.Current.Value = _previous;
            }
        }
    }
}

/// <summary>Full method paths ("/package.Service/Method") or whole services ("/package.Service/") open without a token.</summary>
public sealed class AnonymousMethods
{
    private readonly HashSet<string> _paths = new(StringComparer.Ordinal)
    {
        "/grpc.health.v1.Health/",
        "/grpc.reflection.v1alpha.ServerReflection/",
        "/grpc.reflection.v1.ServerReflection/",
    };

    public AnonymousMethods Add(string path)
    {
        _paths.Add(path);
        return this;
    }

    public bool Contains(string method)
    {
        if (_paths.Contains(method))
        {
            return true;
        }

        var slash = method.LastIndexOf('/');
        return slash > 0 && _paths.Contains(method[..(slash + 1)]);
    }
}

public static class CallerContextExtensions
{
    internal static readonly AsyncLocal<Caller?> Current = new();

    /// <summary>The authenticated caller; UNAUTHENTICATED if the call carried no valid token.</summary>
    public static Caller GetCaller(this ServerCallContext context) =>
        context.UserState.TryGetValue(typeof(Caller), out var caller) && caller is Caller known
            ? known
            : throw AccessTokens.Unauthenticated("This call needs an access token.");

    /// <summary>The caller of the call being served on this flow, if any (used to forward its token).</summary>
    public static Caller? CurrentCaller => Current.Value;

    /// <summary>Runs <paramref name="work"/> as <paramref name="caller"/>: calls made inside carry its token.</summary>
    public static async Task<T> RunAsAsync<T>(Caller caller, Func<Task<T>> work)
    {
        var previous = Current.Value;
        Current.Value = caller;
        try
        {
            return await work().ConfigureAwait(false);
        }
        finally
        {
            Current.Value = previous;
        }
    }
}

/// <summary>
/// The public keys of Identity, fetched with GetSigningKeys and cached; an unknown key id triggers a refresh
/// (rate-limited), so key rotation needs no restart.
/// </summary>
public sealed class IdentitySigningKeys(IdentityApi.IdentityClient identity, TimeProvider time) : IAccessTokenKeySource
{
    private static readonly TimeSpan MinimumRefreshInterval = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<string, ECDsa> _keys = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private DateTimeOffset _lastRefresh = DateTimeOffset.MinValue;

    public async ValueTask<ECDsa?> FindAsync(string keyId, CancellationToken cancellationToken)
    {
        if (_keys.TryGetValue(keyId, out var key))
        {
            return key;
        }

        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_keys.ContainsKey(keyId) && time.GetUtcNow() - _lastRefresh >= MinimumRefreshInterval)
            {
                _lastRefresh = time.GetUtcNow();
                GetSigningKeysResponse response;
                try
                {
                    response = await identity.GetSigningKeysAsync(new GetSigningKeysRequest(),
                        deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                catch (RpcException ex)
                {
                    throw new RpcException(new Status(StatusCode.Unavailable, $"Cannot check the access token: Identity is unreachable ({ex.Status.Detail})."));
                }

                foreach (var signingKey in response.Keys.Where(k => k.Algorithm == AccessTokens.Algorithm))
                {
                    var ecdsa = ECDsa.Create();
                    ecdsa.ImportSubjectPublicKeyInfo(signingKey.PublicKey.Span, out _);
                    _keys[signingKey.KeyId] = ecdsa;
                }
            }

            return _keys.GetValueOrDefault(keyId);
        }
        finally
        {
            _refresh.Release();
        }
    }
}

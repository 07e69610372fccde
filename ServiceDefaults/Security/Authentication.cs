using System.Security.Cryptography;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Http;

namespace HybridEhr.Security;

/// <summary>The authenticated caller of the current call: its claims and the token it presented (for forwarding).</summary>
public sealed record Caller(AccessTokenClaims Claims, string Token)
{
    public string AccountId => Claims.Subject;

    public bool IsPatient => Claims.Role == Roles.Patient;

    public bool IsDoctor => Claims.Role == Roles.Doctor;

    public bool IsService => Claims.Role == Roles.Service;
}

/// <summary>
/// Token keys a service holds itself (Identity its own; tests a fixed one); with none registered, services read
/// Identity's JWKS.
/// </summary>
public interface IAccessTokenKeySource
{
    ECDsa? Find(string keyId);
}

/// <summary>
/// JwtBearer has authenticated the call (the authorization policy demanded it, or the method allows anonymous
/// callers); this makes the bearer the call's <see cref="Caller"/>, for handlers and for the calls they make.
/// </summary>
public sealed class CallerInterceptor : Interceptor
{
    private const string Scheme = "Bearer ";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        using var scope = new CallerScope(Identify(context));
        return await continuation(request, context).ConfigureAwait(false);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var scope = new CallerScope(Identify(context));
        return await continuation(requestStream, context).ConfigureAwait(false);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var scope = new CallerScope(Identify(context));
        await continuation(request, responseStream, context).ConfigureAwait(false);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var scope = new CallerScope(Identify(context));
        await continuation(requestStream, responseStream, context).ConfigureAwait(false);
    }

    /// <summary>The validated bearer, or null when the call is anonymous.</summary>
    private static Caller? Identify(ServerCallContext context)
    {
        var http = context.GetHttpContext();
        if (http.User.Identity?.IsAuthenticated != true || AccessTokenClaims.From(http.User) is not { } claims)
        {
            return null;
        }

        var header = http.Request.Headers.Authorization.ToString();
        var caller = new Caller(claims, header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ? header[Scheme.Length..].Trim() : header);
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

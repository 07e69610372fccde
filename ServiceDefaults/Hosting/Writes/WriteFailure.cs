using System.Net.Http;
using System.Net.Sockets;

namespace HybridEhr.ServiceDefaults.Writes;

/// <summary>
/// What a failed write to another process proves about its outcome. Only a connection that was never made proves
/// the request never left; a cut after sending, a reset, a deadline or a remote "unavailable" may hide a write the
/// other side already committed, so callers must reconcile against the source of truth instead of undoing.
/// </summary>
public static class WriteFailure
{
    /// <summary>
    /// True only when the call failed before any byte of the request could reach the server: the TCP connection was
    /// refused (nobody listening) or the host name did not resolve. Everything else is an unknown outcome.
    /// </summary>
    public static bool ProvesNotSent(Exception? error) => error switch
    {
        null => false,
        SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.NoData } => true,
        HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError } => true,
        // Grpc.Net.Client keeps the transport's exception as the status's debug exception.
        Grpc.Core.RpcException rpc => ProvesNotSent(rpc.Status.DebugException) || ProvesNotSent(rpc.InnerException),
        _ => ProvesNotSent(error.InnerException),
    };

    /// <summary>
    /// What to tell the caller when a call to <paramref name="party"/> failed with <paramref name="detail"/>: that it
    /// could not be reached and nothing was sent, or, when the request may have left, that its answer was lost and the
    /// outcome is being confirmed.
    /// </summary>
    public static string Explain(Exception error, string party, string detail) =>
        ProvesNotSent(error)
            ? $"{party} cannot be reached right now ({detail}); nothing was sent."
            : $"{party}'s answer was lost ({detail}); the outcome is being confirmed against the chain.";

    /// <summary>The sentence a client reads when a write's outcome is not known yet; the retry finishes it.</summary>
    public static string BeingConfirmed(string what) =>
        $"The outcome of {what} is being confirmed against the chain; retry with the same idempotency key to get its result.";
}

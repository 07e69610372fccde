using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HybridEhr.Grpc.Server;

/// <summary>
/// Turns an HTTP/2 request into a gRPC call: protocol checks, deadline, interceptors, the handler, and a status
/// for every outcome (no exception ever reaches Kestrel, and none leaks internals to the caller).
/// </summary>
internal sealed partial class GrpcDispatcher(
    IOptions<GrpcServerOptions> options, IEnumerable<IServerInterceptor> interceptors, ILogger<GrpcDispatcher> logger)
{
    private readonly GrpcServerOptions _options = options.Value;
    private readonly IServerInterceptor[] _interceptors = interceptors.ToArray();

    public RequestDelegate CreateEndpoint(ServerMethodHandler handler)
    {
        ServerCallContinuation pipeline = context => handler.InvokeAsync(context.Call);
        for (var i = _interceptors.Length - 1; i >= 0; i--)
        {
            var interceptor = _interceptors[i];
            var next = pipeline;
            pipeline = context => interceptor.InterceptAsync(context, next);
        }

        var service = handler.Descriptor.Service.FullName;
        var method = handler.Descriptor.Name;
        return http => DispatchAsync(http, handler.Path, service, method, pipeline);
    }

    private async Task DispatchAsync(HttpContext http, string path, string service, string method, ServerCallContinuation pipeline)
    {
        if (!TryAcceptProtocol(http, out var requestEncoding))
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var activity = Activity.Current;
        if (activity is not null)
        {
            activity.DisplayName = $"{service}/{method}";
            GrpcTelemetry.SetRpcTags(activity, service, method);
        }

        var deadline = ReadDeadline(http, out var timeout);
        // A timer of its own, so that an expired deadline is told apart from other cancellations exactly (comparing
        // clocks is not enough: a timer may fire a hair before DateTime.UtcNow reaches the deadline).
        using var deadlineTimer = timeout is { } t ? new CancellationTokenSource(t) : null;
        using var callCancellation = deadlineTimer is null
            ? CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted)
            : CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, deadlineTimer.Token);

        var compressResponses = _options.ResponseCompression == GrpcProtocol.GzipEncoding
            && AcceptsGzip(http.Request.Headers[GrpcProtocol.AcceptEncodingHeader].ToString());
        var call = new ServerCall(http, _options, requestEncoding, compressResponses);
        var context = new ServerCallContext(http, path, ReadMetadata(http), deadline, callCancellation.Token, call.WriteResponseHeadersAsync)
        {
            Call = call,
        };
        call.Context = context;

        Status status;
        try
        {
            await pipeline(context).ConfigureAwait(false);
            status = Status.Ok;
        }
        catch (Exception) when (http.RequestAborted.IsCancellationRequested)
        {
            // The caller is gone: there is nobody to send a status to.
            status = new Status(StatusCode.Cancelled, "Call cancelled by the client.");
        }
        catch (Exception) when (deadlineTimer is { IsCancellationRequested: true })
        {
            status = new Status(StatusCode.DeadlineExceeded, "Deadline exceeded.");
        }
        catch (RpcException ex)
        {
            status = ex.Status;
            foreach (var entry in ex.Trailers)
            {
                context.ResponseTrailers.Add(entry);
            }
        }
        catch (Exception ex)
        {
            var errorId = Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier;
            LogHandlerFailed(logger, ex, path, errorId);
            status = new Status(StatusCode.Internal, _options.EnableDetailedErrors
                ? $"Exception was thrown by handler. {ex.GetType().Name}: {ex.Message}"
                : $"Exception was thrown by handler. (error id {errorId})");
        }

        if (!http.RequestAborted.IsCancellationRequested)
        {
            call.WriteStatus(status);
        }

        var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        GrpcTelemetry.SetStatus(activity, status.StatusCode);
        GrpcTelemetry.ServerDuration.Record(elapsedMs, GrpcTelemetry.Tags(service, method, status.StatusCode));
        LogCallFinished(logger, path, status.StatusCode, elapsedMs);
    }

    /// <summary>Answers requests that are not gRPC at all with the HTTP statuses the spec names.</summary>
    private static bool TryAcceptProtocol(HttpContext http, out string? requestEncoding)
    {
        requestEncoding = null;
        var request = http.Request;
        if (!HttpMethods.IsPost(request.Method))
        {
            http.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return false;
        }

        if (!IsGrpcContentType(request.ContentType))
        {
            http.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return false;
        }

        if (!string.Equals(request.Protocol, "HTTP/2", StringComparison.Ordinal))
        {
            http.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            http.Response.Headers.Upgrade = "h2c";
            return false;
        }

        var encoding = request.Headers[GrpcProtocol.EncodingHeader].ToString();
        if (encoding.Length == 0 || encoding == GrpcProtocol.IdentityEncoding)
        {
            return true;
        }

        if (encoding == GrpcProtocol.GzipEncoding)
        {
            requestEncoding = encoding;
            return true;
        }

        http.Response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.SupportedEncodings;
        ServerCall.WriteTrailersOnly(http, new Status(StatusCode.Unimplemented,
            $"Unsupported grpc-encoding value '{encoding}'. Supported encodings: {GrpcProtocol.SupportedEncodings}."));
        return false;
    }

    internal static bool IsGrpcContentType(string? contentType) =>
        contentType is not null
        && contentType.StartsWith(GrpcProtocol.ContentType, StringComparison.OrdinalIgnoreCase)
        && (contentType.Length == GrpcProtocol.ContentType.Length || contentType[GrpcProtocol.ContentType.Length] is '+' or ';');

    private static bool AcceptsGzip(string acceptEncoding)
    {
        foreach (var part in acceptEncoding.Split(',', StringSplitOptions.TrimEntries))
        {
            if (part == GrpcProtocol.GzipEncoding)
            {
                return true;
            }
        }

        return false;
    }

    private static DateTime? ReadDeadline(HttpContext http, out TimeSpan? timeout)
    {
        timeout = null;
        if (!GrpcProtocol.TryParseTimeout(http.Request.Headers[GrpcProtocol.TimeoutHeader].ToString(), out var value))
        {
            return null;
        }

        // Timers cannot wait longer than about 24 days; such a deadline is no deadline in practice.
        if (value.TotalMilliseconds >= int.MaxValue)
        {
            return null;
        }

        timeout = value;
        return DateTime.UtcNow + value;
    }

    private static Metadata ReadMetadata(HttpContext http)
    {
        var metadata = new Metadata();
        foreach (var header in http.Request.Headers)
        {
            foreach (var value in header.Value)
            {
                if (value is not null)
                {
                    GrpcProtocol.AddReceived(metadata, header.Key, value);
                }
            }
        }

        return metadata;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "gRPC handler {Method} failed (error id {ErrorId})")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, string method, string errorId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "gRPC {Method} finished with {StatusCode} in {ElapsedMs:0.000} ms")]
    private static partial void LogCallFinished(ILogger logger, string method, StatusCode statusCode, double elapsedMs);
}

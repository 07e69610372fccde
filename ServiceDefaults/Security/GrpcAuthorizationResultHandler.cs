using Google.Protobuf;
using Google.Protobuf.Reflection;
using BadRequest = Google.Rpc.BadRequest;
using ErrorInfo = Google.Rpc.ErrorInfo;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using HybridEhr.ServiceDefaults.Errors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;

namespace HybridEhr.Security;

/// <summary>
/// A refused gRPC call gets a gRPC answer: UNAUTHENTICATED or PERMISSION_DENIED with a message saying why (an
/// expired token, the roles the method is for), instead of a bare HTTP 401/403 that clients report as "Bad gRPC
/// response". JSON requests get the framework's 401/403 with the google.rpc.Status as JSON. Either way the Status
/// carries an ErrorInfo, as every refusal does (<see cref="StatusDetailsInterceptor"/>).
/// </summary>
public sealed class GrpcAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            await _default.HandleAsync(next, context, policy, authorizeResult).ConfigureAwait(false);
            return;
        }

        StatusCode code;
        string message;
        if (authorizeResult.Forbidden)
        {
            (code, message) = (StatusCode.PermissionDenied, ForbiddenMessage(context, authorizeResult.AuthorizationFailure));
        }
        else
        {
            // The framework keeps only a successful authentication on the request; the handler's cached result says why one failed.
            var failure = (await context.AuthenticateAsync().ConfigureAwait(false)).Failure;
            // The token may be fine: the keys to check it could not be fetched, which is Identity's outage, not the caller's fault.
            (code, message) = (failure is InvalidOperationException ? StatusCode.Unavailable : StatusCode.Unauthenticated, AccessTokens.Explain(failure));
        }

        // The same google.rpc.Status (with its ErrorInfo) as every other refusal, on each door.
        var method = context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method.FullName ?? context.Request.Path.Value ?? "";
        var status = StatusDetailsInterceptor.Describe(code, message, method);
        if (!IsGrpc(context.Request))
        {
            // JSON callers get the framework's 401 (with WWW-Authenticate) or 403, and the body a refused transcoded
            // call has, so one error shape serves every JSON route.
            await _default.HandleAsync(next, context, policy, authorizeResult).ConfigureAwait(false);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(StatusJson.Format(status), context.RequestAborted).ConfigureAwait(false);
            return;
        }

        // A trailers-only response: the status travels in the headers of an otherwise empty HTTP 200 answer.
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = context.Request.ContentType ?? "application/grpc";
        context.Response.Headers["grpc-status"] = ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.Headers["grpc-message"] = Uri.EscapeDataString(message);
        context.Response.Headers[StatusDetailsInterceptor.DetailsTrailer] = Convert.ToBase64String(status.ToByteArray());
    }

    private static bool IsGrpc(HttpRequest request) =>
        request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true;

    private static string ForbiddenMessage(HttpContext context, AuthorizationFailure? failure)
    {
        var roles = failure?.FailedRequirements.OfType<RolesAuthorizationRequirement>().FirstOrDefault()?.AllowedRoles;
        var role = context.User.FindFirst(AccessTokenClaims.RoleClaim)?.Value ?? "unknown role";
        return roles is null
            ? "You are not allowed to make this call."
            : $"This call is for {string.Join(" or ", roles)} accounts; you are signed in as a {role}.";
    }

    /// <summary>google.rpc.Status as protobuf's JSON mapping writes it, details with their "@type".</summary>
    private static readonly JsonFormatter StatusJson = new(JsonFormatter.Settings.Default.WithTypeRegistry(
        TypeRegistry.FromMessages(ErrorInfo.Descriptor, BadRequest.Descriptor)));
}

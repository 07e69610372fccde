using System.Net;

namespace HybridEhr.Clients.CouchDb;

/// <summary>The server answered with an error; <see cref="Error"/> and <see cref="Reason"/> are CouchDB's own words.</summary>
public class CouchDbException : Exception
{
    public CouchDbException(HttpStatusCode statusCode, string error, string reason)
        : base($"CouchDB {(int)statusCode} {error}: {reason}")
    {
        StatusCode = statusCode;
        Error = error;
        Reason = reason;
    }

    public CouchDbException(string message, Exception? inner = null)
        : base(message, inner)
    {
        Error = "client_error";
        Reason = message;
    }

    public HttpStatusCode? StatusCode { get; }

    public string Error { get; }

    public string Reason { get; }

    internal static CouchDbException For(HttpStatusCode status, string error, string reason) => status switch
    {
        HttpStatusCode.Unauthorized => new CouchDbUnauthorizedException(error, reason),
        HttpStatusCode.Forbidden => new CouchDbForbiddenException(error, reason),
        HttpStatusCode.NotFound => new CouchDbNotFoundException(error, reason),
        HttpStatusCode.Conflict => new CouchDbConflictException(error, reason),
        HttpStatusCode.PreconditionFailed => new CouchDbPreconditionFailedException(error, reason),
        _ => new CouchDbException(status, error, reason),
    };
}

/// <summary>401: missing or wrong credentials.</summary>
public sealed class CouchDbUnauthorizedException(string error, string reason)
    : CouchDbException(HttpStatusCode.Unauthorized, error, reason);

/// <summary>403: authenticated but not allowed, or rejected by a validation function.</summary>
public sealed class CouchDbForbiddenException(string error, string reason)
    : CouchDbException(HttpStatusCode.Forbidden, error, reason);

/// <summary>404: no such database, document, revision or attachment (a deleted document is also "not found").</summary>
public sealed class CouchDbNotFoundException(string error, string reason)
    : CouchDbException(HttpStatusCode.NotFound, error, reason);

/// <summary>409: the revision given is not the current one. Re-read the document, merge, and write again.</summary>
public sealed class CouchDbConflictException(string error, string reason)
    : CouchDbException(HttpStatusCode.Conflict, error, reason);

/// <summary>412: a precondition failed, typically "the database already exists".</summary>
public sealed class CouchDbPreconditionFailedException(string error, string reason)
    : CouchDbException(HttpStatusCode.PreconditionFailed, error, reason);

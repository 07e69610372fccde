using System.Net;

namespace HybridEhr.Clients.Ipfs;

/// <summary>The node refused or failed a call; <see cref="Message"/> is the node's own message.</summary>
public class IpfsException(string message, HttpStatusCode? statusCode = null, Exception? inner = null)
    : Exception(message, inner)
{
    public HttpStatusCode? StatusCode { get; } = statusCode;

    /// <summary>Maps a node's error text to the narrowest exception (both Kubo and js-ipfs answer most errors with 500).</summary>
    internal static IpfsException For(HttpStatusCode? status, string message)
    {
        var text = message.ToLowerInvariant();
        if (text.Contains("timeout") || text.Contains("timed out") || text.Contains("deadline exceeded") || text.Contains("aborted"))
        {
            return new IpfsTimeoutException(message, null);
        }

        if (text.Contains("not pinned"))
        {
            return new IpfsNotPinnedException(message, status);
        }

        if (text.Contains("not found") || text.Contains("no link named") || text.Contains("could not find"))
        {
            return new IpfsContentNotFoundException(message, status);
        }

        if (text.Contains("invalid") || text.Contains("multibase") || text.Contains("unknown cid") || text.Contains("parse")
            || text.Contains("argument") || text.Contains("selected encoding not supported") || status == HttpStatusCode.BadRequest)
        {
            return new IpfsInvalidArgumentException(message, status);
        }

        return new IpfsException(message, status);
    }
}

/// <summary>The content could not be found or delivered in time (missing content is never an instant error).</summary>
public sealed class IpfsTimeoutException(string message, Exception? inner) : IpfsException(message, null, inner);

/// <summary>The node knows it does not have the content (e.g. an offline node asked for a block it lacks).</summary>
public sealed class IpfsContentNotFoundException(string message, HttpStatusCode? statusCode) : IpfsException(message, statusCode);

/// <summary>Unpinning something that is not pinned.</summary>
public sealed class IpfsNotPinnedException(string message, HttpStatusCode? statusCode) : IpfsException(message, statusCode);

/// <summary>A malformed CID or argument.</summary>
public sealed class IpfsInvalidArgumentException(string message, HttpStatusCode? statusCode) : IpfsException(message, statusCode);

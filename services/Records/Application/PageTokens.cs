using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace HybridEhr.Records.Application;

/// <summary>
/// Opaque, server-signed page tokens (common.proto): a position bound to the query it continues, valid 24 hours.
/// A forged, altered, expired or foreign token is INVALID_ARGUMENT.
/// </summary>
public sealed class PageTokens(byte[] key, TimeProvider time)
{
    public const int DefaultPageSize = 50;
    public const int MaximumPageSize = 200;
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    public static int PageSize(int requested) => requested switch
    {
        < 0 => throw new RpcException(new Status(StatusCode.InvalidArgument, "page_size must not be negative (0 = the default of 50).")),
        0 => DefaultPageSize,
        > MaximumPageSize => MaximumPageSize,
        _ => requested,
    };

    public string Issue(string scope, string position)
    {
        var body = $"{time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}|{position}";
        var mac = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(scope + "|" + body)));
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(body + "|" + mac)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>The position a token holds, or null for an empty token (first page).</summary>
    public string? Read(string scope, string token)
    {
        if (token.Length == 0)
        {
            return null;
        }

        try
        {
            var base64 = token.Replace('-', '+').Replace('_', '/');
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=')));
            var lastBar = text.LastIndexOf('|');
            var body = text[..lastBar];
            var expected = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(scope + "|" + body));
            if (!CryptographicOperations.FixedTimeEquals(expected, Convert.FromHexString(text[(lastBar + 1)..])))
            {
                throw new FormatException();
            }

            var firstBar = body.IndexOf('|', StringComparison.Ordinal);
            var issued = DateTimeOffset.FromUnixTimeSeconds(long.Parse(body[..firstBar], CultureInfo.InvariantCulture));
            if (time.GetUtcNow() - issued > Lifetime)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "page_token has expired (tokens last 24 hours); start again from the first page."));
            }

            return body[(firstBar + 1)..];
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "page_token is not a token this service issued for this query."));
        }
    }
}

using System.Buffers;
using System.Globalization;
using System.Text;

namespace HybridEhr.Grpc;

/// <summary>The parts of the gRPC-over-HTTP/2 protocol that the client and the server share.</summary>
public static class GrpcProtocol
{
    public const string ContentType = "application/grpc";
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";
    public const string TimeoutHeader = "grpc-timeout";
    public const string EncodingHeader = "grpc-encoding";

    /// <summary>Rich error details (a serialized google.rpc.Status), the one grpc- header that is also user metadata.</summary>
    public const string StatusDetailsHeader = "grpc-status-details-bin";
    public const string AcceptEncodingHeader = "grpc-accept-encoding";
    public const string IdentityEncoding = "identity";
    public const string GzipEncoding = "gzip";
    public const string SupportedEncodings = "identity,gzip";

    /// <summary>The default largest message either side accepts, as in other gRPC implementations.</summary>
    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    /// <summary>Length-prefixed message header: 1 byte compressed flag, 4 bytes big-endian length.</summary>
    public const int FrameHeaderSize = 5;

    /// <summary>Percent-encodes a status message as the spec asks: bytes outside 0x20–0x7E, and '%', become %XX of UTF-8.</summary>
    public static string EncodeStatusMessage(string message)
    {
        var needsEncoding = false;
        foreach (var c in message)
        {
            if (c < 0x20 || c > 0x7E || c == '%')
            {
                needsEncoding = true;
                break;
            }
        }

        if (!needsEncoding)
        {
            return message;
        }

        var bytes = Encoding.UTF8.GetBytes(message);
        var builder = new StringBuilder(bytes.Length * 3);
        foreach (var b in bytes)
        {
            if (b < 0x20 || b > 0x7E || b == '%')
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append((char)b);
            }
        }

        return builder.ToString();
    }

    /// <summary>Reverses <see cref="EncodeStatusMessage"/>; malformed escapes are kept as they are, never thrown.</summary>
    public static string DecodeStatusMessage(string? encoded)
    {
        if (string.IsNullOrEmpty(encoded) || !encoded.Contains('%', StringComparison.Ordinal))
        {
            return encoded ?? "";
        }

        var bytes = new List<byte>(encoded.Length);
        var runStart = 0;
        for (var i = 0; i < encoded.Length; i++)
        {
            if (encoded[i] == '%' && i + 2 < encoded.Length
                && byte.TryParse(encoded.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value))
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(encoded[runStart..i]));
                bytes.Add(value);
                i += 2;
                runStart = i + 1;
            }
        }

        bytes.AddRange(Encoding.UTF8.GetBytes(encoded[runStart..]));
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>Parses a grpc-timeout value ("100m", "5S", at most 8 digits and a unit of H M S m u n).</summary>
    public static bool TryParseTimeout(string? value, out TimeSpan timeout)
    {
        timeout = default;
        if (value is null || value.Length < 2 || value.Length > 9)
        {
            return false;
        }

        if (!long.TryParse(value.AsSpan(0, value.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }

        long? ticks = value[^1] switch
        {
            'H' => amount * TimeSpan.TicksPerHour,
            'M' => amount * TimeSpan.TicksPerMinute,
            'S' => amount * TimeSpan.TicksPerSecond,
            'm' => amount * TimeSpan.TicksPerMillisecond,
            'u' => amount * 10,
            'n' => amount / 100,
            _ => null,
        };
        if (ticks is null)
        {
            return false;
        }

        timeout = TimeSpan.FromTicks(ticks.Value);
        return true;
    }

    /// <summary>Formats a timeout in the finest unit that fits in 8 digits (rounded up, so a deadline is never shortened to zero).</summary>
    public static string FormatTimeout(TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero)
        {
            return "1n";
        }

        const long max = 99_999_999;
        var ticks = timeout.Ticks;
        if (ticks <= max / 100)
        {
            return (ticks * 100).ToString(CultureInfo.InvariantCulture) + "n";
        }

        ReadOnlySpan<(long TicksPerUnit, char Unit)> units =
        [
            (10, 'u'), (TimeSpan.TicksPerMillisecond, 'm'), (TimeSpan.TicksPerSecond, 'S'),
            (TimeSpan.TicksPerMinute, 'M'), (TimeSpan.TicksPerHour, 'H'),
        ];
        foreach (var (perUnit, unit) in units)
        {
            var amount = (ticks + perUnit - 1) / perUnit;
            if (amount <= max)
            {
                return amount.ToString(CultureInfo.InvariantCulture) + unit;
            }
        }

        return max.ToString(CultureInfo.InvariantCulture) + "H";
    }

    /// <summary>Whether an HTTP header is part of the gRPC protocol or HTTP itself rather than user metadata.</summary>
    public static bool IsReservedHeader(string key) =>
        key.StartsWith(':')
        || (key.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase) && !key.Equals(StatusDetailsHeader, StringComparison.OrdinalIgnoreCase))
        || key.Equals("content-type", StringComparison.OrdinalIgnoreCase)
        || key.Equals("te", StringComparison.OrdinalIgnoreCase)
        || key.Equals("host", StringComparison.OrdinalIgnoreCase)
        || key.Equals("content-length", StringComparison.OrdinalIgnoreCase)
        || key.Equals("user-agent", StringComparison.OrdinalIgnoreCase)
        || key.Equals("accept-encoding", StringComparison.OrdinalIgnoreCase)
        || key.Equals("date", StringComparison.OrdinalIgnoreCase)
        || key.Equals("server", StringComparison.OrdinalIgnoreCase);

    /// <summary>Adds one received header to metadata, decoding binary values; malformed base64 is dropped, not thrown.</summary>
    internal static void AddReceived(Metadata metadata, string key, string value)
    {
        if (IsReservedHeader(key))
        {
            return;
        }

        var lower = key.ToLowerInvariant();
        if (Metadata.IsBinaryKey(lower))
        {
            // Several binary values may arrive comma-joined in one header.
            foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (TryDecodeBase64(part, out var bytes))
                {
                    metadata.Add(lower, bytes);
                }
            }
        }
        else
        {
            try
            {
                metadata.Add(lower, value);
            }
            catch (ArgumentException)
            {
                // A peer's invalid header is not our caller's problem; skip it.
            }
        }
    }

    private static bool TryDecodeBase64(string value, out byte[] bytes)
    {
        // Senders may omit base64 padding.
        var padded = (value.Length % 4) switch
        {
            2 => value + "==",
            3 => value + "=",
            _ => value,
        };
        bytes = new byte[padded.Length];
        if (Convert.TryFromBase64String(padded, bytes, out var written))
        {
            bytes = bytes[..written];
            return true;
        }

        return false;
    }

    /// <summary>Maps an HTTP status that did not carry a gRPC status, as the spec's table says.</summary>
    public static StatusCode FromHttpStatus(int httpStatus) => httpStatus switch
    {
        400 => StatusCode.Internal,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.Unimplemented,
        429 or 502 or 503 or 504 => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };

    internal static int ParseStatusCode(string? value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? code : (int)StatusCode.Unknown;

    internal static void WriteFrameHeader(Span<byte> destination, bool compressed, int length)
    {
        destination[0] = compressed ? (byte)1 : (byte)0;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)length);
    }

    internal static bool TryReadFrameHeader(in ReadOnlySequence<byte> buffer, out bool compressed, out uint length)
    {
        compressed = false;
        length = 0;
        if (buffer.Length < FrameHeaderSize)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[FrameHeaderSize];
        buffer.Slice(0, FrameHeaderSize).CopyTo(header);
        compressed = header[0] != 0;
        length = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        return true;
    }
}

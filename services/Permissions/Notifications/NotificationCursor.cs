using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace HybridEhr.Permissions.Notifications;

public enum CursorCheck
{
    Valid,

    /// <summary>Not a cursor this service issued to this account.</summary>
    Invalid,

    /// <summary>Issued by an earlier notification log (the read model was rebuilt): the caller must reload state.</summary>
    OutOfRange,
}

/// <summary>
/// Cursors name a position in the notification log of one log epoch, for one account. The account tag only stops a
/// client from mixing up cursors: a cursor never gives access to anyone else's notifications, the stream is always
/// filtered by the authenticated caller.
/// </summary>
public static class NotificationCursor
{
    public static string Format(string epoch, long sequence, string recipient) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(FormattableString.Invariant($"{epoch}.{sequence}.{Tag(epoch, recipient)}")))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static CursorCheck TryParse(string cursor, string epoch, string recipient, out long sequence)
    {
        sequence = 0;
        string text;
        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            text = Encoding.UTF8.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=')));
        }
        catch (FormatException)
        {
            return CursorCheck.Invalid;
        }

        var parts = text.Split('.');
        if (parts.Length != 3 || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out sequence))
        {
            return CursorCheck.Invalid;
        }

        if (parts[2] != Tag(parts[0], recipient))
        {
            return CursorCheck.Invalid;
        }

        return parts[0] == epoch ? CursorCheck.Valid : CursorCheck.OutOfRange;
    }

    private static string Tag(string epoch, string recipient) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(epoch + "|" + recipient)).AsSpan(0, 8));
}

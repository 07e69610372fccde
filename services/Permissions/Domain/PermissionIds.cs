using System.Security.Cryptography;
using System.Text;

namespace HybridEhr.Permissions.Domain;

/// <summary>
/// Ids derived from chain facts only, so a read model rebuilt from block 1 hands out the same ids, and integration
/// events published twice carry the same EventId.
/// </summary>
public static class PermissionIds
{
    /// <summary>The chain keeps one request per (patient, doctor); its requested_at tells the rounds apart.</summary>
    public static string Request(string patient, string doctor, long requestedAtMs) =>
        "req_" + ShortHash($"request|{patient}|{doctor}|{requestedAtMs}");

    /// <summary>A grant's id is fixed by the transaction that created it; re-grants that only change expiry keep it.</summary>
    public static string Grant(string patient, string doctor, string creatingTxId) =>
        "grt_" + ShortHash($"grant|{patient}|{doctor}|{creatingTxId}");

    /// <summary>A name-based GUID (RFC 9562 version 8 layout) for an integration event.</summary>
    public static Guid Event(string name)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("hybridehr.permissions.event|" + name));
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    private static string ShortHash(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 16));
}

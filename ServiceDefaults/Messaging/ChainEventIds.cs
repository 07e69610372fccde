using System.Security.Cryptography;
using System.Text;

namespace HybridEhr.Messaging;

/// <summary>
/// Event ids for facts that come from a chain transaction: the same GUID for the same fact (name-based, from the
/// transaction id and the event's position in it), whoever publishes it and however often, so consumers that
/// skip ids they have seen handle each fact once.
/// </summary>
public static class ChainEventIds
{
    public static Guid For(string txId, int eventIndex)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"hybridehr/chain-event/{txId}/{eventIndex}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}

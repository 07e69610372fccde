using System.Security.Cryptography;
using Common;
using Google.Protobuf;

namespace HybridEhr.Clients.Fabric;

/// <summary>
/// What makes a transaction unique: a fresh 24-byte nonce and the creator; its id is the lower-case hex SHA-256 of
/// nonce ‖ creator, which peers recompute and check.
/// </summary>
internal sealed class TransactionContext
{
    public const int NonceLength = 24;

    public TransactionContext(Identity identity)
        : this(identity, RandomNumberGenerator.GetBytes(NonceLength))
    {
    }

    public TransactionContext(Identity identity, byte[] nonce)
    {
        Nonce = nonce;
        Creator = identity.Serialized;
        TransactionId = ComputeTransactionId(nonce, Creator);
        SignatureHeader = new SignatureHeader { Creator = ByteString.CopyFrom(Creator), Nonce = ByteString.CopyFrom(nonce) };
    }

    public byte[] Nonce { get; }

    public byte[] Creator { get; }

    public string TransactionId { get; }

    public SignatureHeader SignatureHeader { get; }

    public static string ComputeTransactionId(byte[] nonce, byte[] creator) =>
        Convert.ToHexStringLower(SHA256.HashData([.. nonce, .. creator]));
}

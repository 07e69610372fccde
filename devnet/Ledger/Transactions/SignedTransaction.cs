using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using HybridEhr.Devnet.Ledger.Storage;

namespace HybridEhr.Devnet.Ledger;

/// <summary>
/// A transaction as its signer signed it. The signature covers the canonical payload encoding:
/// <code>
/// "HEHRTX01" | chainId | contract | function | argsJson | signerPublicKey (32) | nonce (i64) | timestampHint (i64)
/// </code>
/// (strings and byte strings are a 4-byte big-endian length then the bytes; integers big-endian). The signed bytes are
/// payload + 64-byte Ed25519 signature; the transaction id is lower-case hex SHA-256 of the signed bytes.
/// The arguments travel as the exact JSON text that was signed, so no JSON canonicalisation is needed.
/// </summary>
public sealed class SignedTransaction
{
    public const int MaxNameBytes = 256;
    public const int MaxArgsBytes = 1 << 20;
    private static readonly byte[] PayloadTag = "HEHRTX01"u8.ToArray();

    private byte[]? _signedBytes;
    private string? _txId;
    private byte[]? _txIdBytes;

    public SignedTransaction(
        string chainId, string contract, string function, string argsJson, byte[] signerPublicKey, long nonce,
        long timestampHint, byte[] signature)
    {
        ChainId = chainId ?? throw new ArgumentNullException(nameof(chainId));
        Contract = contract ?? throw new ArgumentNullException(nameof(contract));
        Function = function ?? throw new ArgumentNullException(nameof(function));
        ArgsJson = argsJson ?? throw new ArgumentNullException(nameof(argsJson));
        ArgumentNullException.ThrowIfNull(signerPublicKey);
        ArgumentNullException.ThrowIfNull(signature);
        if (signerPublicKey.Length != DevnetKey.PublicKeySize)
        {
            throw new ArgumentException("A signer public key is 32 bytes.", nameof(signerPublicKey));
        }
        if (signature.Length != DevnetKey.SignatureSize)
        {
            throw new ArgumentException("An Ed25519 signature is 64 bytes.", nameof(signature));
        }
        SignerPublicKey = (byte[])signerPublicKey.Clone();
        Nonce = nonce;
        TimestampHint = timestampHint;
        Signature = (byte[])signature.Clone();
        SignerAccountId = AccountIds.FromPublicKey(SignerPublicKey);
    }

    public string ChainId { get; }
    public string Contract { get; }
    public string Function { get; }
    public string ArgsJson { get; }
    public byte[] SignerPublicKey { get; }
    public string SignerAccountId { get; }

    /// <summary>Per account, strictly increasing (gaps allowed).</summary>
    public long Nonce { get; }

    /// <summary>The client's clock when signing (Unix ms). Informational: contracts see the block time instead.</summary>
    public long TimestampHint { get; }

    public byte[] Signature { get; }

    public string TxId => _txId ??= Convert.ToHexStringLower(TxIdBytes);

    /// <summary>SHA-256 of the signed bytes (the binary transaction id, a Merkle leaf), shared: never mutate.</summary>
    internal byte[] TxIdBytes => _txIdBytes ??= SHA256.HashData(SignedBytes);

    /// <summary>Signs a transaction with <paramref name="signer"/>.</summary>
    public static SignedTransaction Create(
        DevnetKey signer, string chainId, string contract, string function, JsonObject args, long nonce, long timestampHint)
    {
        ArgumentNullException.ThrowIfNull(args);
        return Create(signer, chainId, contract, function, args.ToJsonString(), nonce, timestampHint);
    }

    public static SignedTransaction Create(
        DevnetKey signer, string chainId, string contract, string function, string argsJson, long nonce, long timestampHint)
    {
        ArgumentNullException.ThrowIfNull(signer);
        var publicKey = signer.PublicKey;
        var payload = EncodePayload(chainId, contract, function, argsJson, publicKey, nonce, timestampHint);
        return new SignedTransaction(chainId, contract, function, argsJson, publicKey, nonce, timestampHint, signer.Sign(payload));
    }

    /// <summary>The bytes the signature covers.</summary>
    public byte[] PayloadBytes() => EncodePayload(ChainId, Contract, Function, ArgsJson, SignerPublicKey, Nonce, TimestampHint);

    /// <summary>The canonical signed bytes (payload + signature): what the wire carries and the block log stores.</summary>
    public byte[] ToBytes() => (byte[])SignedBytes.Clone();

    /// <summary>The cached signed bytes, shared: never mutate.</summary>
    internal byte[] SignedBytes
    {
        get
        {
            if (_signedBytes is null)
            {
                var payload = PayloadBytes();
                var bytes = new byte[payload.Length + DevnetKey.SignatureSize];
                payload.CopyTo(bytes, 0);
                Signature.CopyTo(bytes, payload.Length);
                _signedBytes = bytes;
            }
            return _signedBytes;
        }
    }

    public bool HasValidSignature() => DevnetKey.Verify(SignerPublicKey, PayloadBytes(), Signature);

    /// <summary>Decodes canonical signed bytes. Does not check the signature.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> signedBytes, out SignedTransaction? transaction, out string error)
    {
        try
        {
            transaction = Decode(signedBytes);
            error = "";
            return true;
        }
        catch (FormatException ex)
        {
            transaction = null;
            error = ex.Message;
            return false;
        }
    }

    /// <exception cref="FormatException">The bytes are not a canonical signed transaction.</exception>
    public static SignedTransaction Decode(ReadOnlySpan<byte> signedBytes)
    {
        var reader = new CanonicalReader(signedBytes);
        if (!reader.ReadRaw(PayloadTag.Length).SequenceEqual(PayloadTag))
        {
            throw new FormatException("Not a signed transaction (bad tag).");
        }
        var chainId = reader.ReadString(MaxNameBytes);
        var contract = reader.ReadString(MaxNameBytes);
        var function = reader.ReadString(MaxNameBytes);
        var argsJson = reader.ReadString(MaxArgsBytes);
        var publicKey = reader.ReadRaw(DevnetKey.PublicKeySize).ToArray();
        var nonce = reader.ReadInt64();
        var timestampHint = reader.ReadInt64();
        var signature = reader.ReadRaw(DevnetKey.SignatureSize).ToArray();
        reader.ExpectEnd();
        var transaction = new SignedTransaction(chainId, contract, function, argsJson, publicKey, nonce, timestampHint, signature)
        {
            _signedBytes = signedBytes.ToArray(),
        };
        return transaction;
    }

    /// <summary>The bytes a signer signs, for signers that hold their key elsewhere (a custodial keystore, an HSM).</summary>
    public static byte[] EncodePayload(
        string chainId, string contract, string function, string argsJson, byte[] publicKey, long nonce, long timestampHint)
    {
        CheckLength(chainId, MaxNameBytes, nameof(chainId));
        CheckLength(contract, MaxNameBytes, nameof(contract));
        CheckLength(function, MaxNameBytes, nameof(function));
        CheckLength(argsJson, MaxArgsBytes, nameof(argsJson));
        var writer = new CanonicalWriter(128 + argsJson.Length);
        writer.WriteRaw(PayloadTag);
        writer.WriteString(chainId);
        writer.WriteString(contract);
        writer.WriteString(function);
        writer.WriteString(argsJson);
        writer.WriteRaw(publicKey);
        writer.WriteInt64(nonce);
        writer.WriteInt64(timestampHint);
        return writer.ToArray();
    }

    private static void CheckLength(string value, int maxBytes, string name)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        if (Encoding.UTF8.GetByteCount(value) > maxBytes)
        {
            throw new ArgumentException($"{name} exceeds {maxBytes} bytes.", name);
        }
    }
}

using System.Security.Cryptography;
using System.Text;
using HybridEhr.Clients.Substrate.Hashing;
using HybridEhr.Clients.Substrate.Scale;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace HybridEhr.Clients.Substrate.Keys;

/// <summary>An Ed25519 account key: the 32-byte public key is the AccountId32.</summary>
public sealed class Ed25519KeyPair : IExtrinsicSigner
{
    // Entropy of Substrate's well-known development phrase ("bottom drive obey lake ..."), whose hard-derived
    // children //Alice, //Bob, ... are the dev accounts of every development chain.
    private static readonly byte[] DevPhraseEntropy = Convert.FromHexString("1a486a5fbe53639984cb64b070755f7b");

    private readonly Ed25519PrivateKeyParameters privateKey;

    public Ed25519KeyPair(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != 32)
        {
            throw new ArgumentException("an Ed25519 seed has 32 bytes", nameof(seed));
        }

        privateKey = new Ed25519PrivateKeyParameters(seed.ToArray(), 0);
        PublicKey = privateKey.GeneratePublicKey().GetEncoded();
    }

    public byte[] PublicKey { get; }

    public byte[] Sign(ReadOnlySpan<byte> message)
    {
        var signer = new Ed25519Signer();
        signer.Init(true, privateKey);
        signer.BlockUpdate(message.ToArray(), 0, message.Length);
        return signer.GenerateSignature();
    }

    public ValueTask<byte[]> SignAsync(byte[] payload, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Sign(Extrinsics.ExtrinsicPayload.BytesToSign(payload)));

    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        var verifier = new Ed25519Signer();
        verifier.Init(false, new Ed25519PublicKeyParameters(publicKey.ToArray(), 0));
        verifier.BlockUpdate(message.ToArray(), 0, message.Length);
        return verifier.VerifySignature(signature.ToArray());
    }

    /// <summary>
    /// A key from a secret URI: "0x" + 64 hex digits (the seed itself), or "//Name" (a hard derivation from the
    /// development phrase, e.g. "//Alice"), optionally with further "//Junction"s after a 0x seed.
    /// </summary>
    public static Ed25519KeyPair FromUri(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var firstJunction = uri.IndexOf("//", StringComparison.Ordinal);
        var root = firstJunction < 0 ? uri : uri[..firstJunction];
        var junctions = firstJunction < 0 ? [] : uri[(firstJunction + 2)..].Split("//");
        var seed = root.Length == 0 ? DevMiniSecret() : ParseSeed(root);
        foreach (var junction in junctions)
        {
            if (junction.Length == 0 || junction.Contains('/', StringComparison.Ordinal))
            {
                throw new ArgumentException("only hard derivations (//name) are supported for Ed25519", nameof(uri));
            }

            seed = DeriveHard(seed, junction);
        }

        return new Ed25519KeyPair(seed);
    }

    private static byte[] ParseSeed(string root)
    {
        var bytes = root.StartsWith("0x", StringComparison.Ordinal) ? Hex.Decode(root) : [];
        return bytes.Length == 32
            ? bytes
            : throw new ArgumentException("a secret URI starts with a 0x-prefixed 32-byte seed or with //", nameof(root));
    }

    /// <summary>Substrate's BIP39 variant: the mini secret is PBKDF2-HMAC-SHA512 over the entropy (not the words).</summary>
    private static byte[] DevMiniSecret() =>
        Rfc2898DeriveBytes.Pbkdf2(DevPhraseEntropy, Encoding.UTF8.GetBytes("mnemonic"), 2048, HashAlgorithmName.SHA512, 64)[..32];

    /// <summary>Ed25519 hard derivation: blake2b-256 of SCALE("Ed25519HDKD") ++ seed ++ chain code.</summary>
    private static byte[] DeriveHard(byte[] seed, string junction)
    {
        // The chain code is the SCALE encoding of the junction (a number if it parses as one, else a string), padded or hashed to 32 bytes.
        var encoded = ulong.TryParse(junction, out var number)
            ? new ScaleWriter().U64(number).ToArray()
            : new ScaleWriter().String(junction).ToArray();
        var chainCode = new byte[32];
        (encoded.Length > 32 ? SubstrateHashers.Blake2b256(encoded) : encoded).CopyTo(chainCode, 0);
        var input = new ScaleWriter().String("Ed25519HDKD").Raw(seed).Raw(chainCode).ToArray();
        return SubstrateHashers.Blake2b256(input);
    }
}

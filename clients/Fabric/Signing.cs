using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;

namespace HybridEhr.Clients.Fabric;

/// <summary>Signs the SHA-256 digest of a message (proposal, transaction envelope, signed request).</summary>
public interface ISigner
{
    ValueTask<byte[]> SignAsync(byte[] digest, CancellationToken cancellationToken = default);
}

/// <summary>The digest Fabric signs: SHA-256 of the serialised bytes.</summary>
public static class Digests
{
    public static byte[] Sha256(ReadOnlySpan<byte> message) => SHA256.HashData(message);
}

/// <summary>
/// ECDSA over P-256 with a DER signature whose S is in the lower half of the group order: Fabric's MSPs refuse
/// high-S signatures (they would make a second valid signature of the same message).
/// </summary>
public sealed class EcdsaSigner : ISigner, IDisposable
{
    private static readonly BigInteger P256Order = BigInteger.Parse(
        "0FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", System.Globalization.NumberStyles.HexNumber);

    private static readonly BigInteger HalfOrder = P256Order / 2;

    private readonly ECDsa _key;

    public EcdsaSigner(ECDsa key)
    {
        if (key.KeySize != 256)
        {
            throw new ArgumentException($"Fabric signing keys here are P-256; this key has {key.KeySize} bits.", nameof(key));
        }

        _key = key;
    }

    /// <summary>A signer for a PKCS#8 (or SEC1) PEM private key, as Fabric CAs and cryptogen write them.</summary>
    public static EcdsaSigner FromPem(string privateKeyPem)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(privateKeyPem);
        return new EcdsaSigner(key);
    }

    public static EcdsaSigner FromPemFile(string privateKeyPath) => FromPem(File.ReadAllText(privateKeyPath));

    public ValueTask<byte[]> SignAsync(byte[] digest, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Sign(digest));

    public byte[] Sign(byte[] digest)
    {
        byte[] signature;
        // One signer serves every concurrent transaction of an identity, and ECDsa instances are not documented as
        // safe for concurrent use; a signature takes tens of microseconds, so serialising them costs nothing visible.
        lock (_key)
        {
            signature = _key.SignHash(digest, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }

        return ToLowSDer(signature);
    }

    public void Dispose() => _key.Dispose();

    /// <summary>r‖s (32 bytes each) → DER SEQUENCE { r, s } with s replaced by n − s when s &gt; n/2.</summary>
    internal static byte[] ToLowSDer(ReadOnlySpan<byte> rs)
    {
        var half = rs.Length / 2;
        var r = new BigInteger(rs[..half], isUnsigned: true, isBigEndian: true);
        var s = new BigInteger(rs[half..], isUnsigned: true, isBigEndian: true);
        if (s > HalfOrder)
        {
            s = P256Order - s;
        }

        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(r);
            writer.WriteInteger(s);
        }

        return writer.Encode();
    }

    /// <summary>True when a DER signature's S is in the lower half (what peers accept).</summary>
    internal static bool IsLowS(byte[] der)
    {
        var reader = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        reader.ReadInteger();
        return reader.ReadInteger() <= HalfOrder;
    }
}

using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using Xunit;

namespace HybridEhr.Clients.Fabric.Tests;

public sealed class SignerTests
{
    private static readonly BigInteger Order = BigInteger.Parse(
        "0FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", System.Globalization.NumberStyles.HexNumber);

    [Fact]
    public void SignaturesAreLowSDerThatVerify()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var signer = new EcdsaSigner(key);
        for (var i = 0; i < 64; i++)
        {
            var digest = SHA256.HashData(BitConverter.GetBytes(i));
            var signature = signer.Sign(digest);
            Assert.True(EcdsaSigner.IsLowS(signature));
            Assert.True(key.VerifyHash(digest, signature, DSASignatureFormat.Rfc3279DerSequence));
        }
    }

    [Fact]
    public void AHighSIsReplacedByItsComplement()
    {
        var r = BigInteger.Parse("12345678901234567890");
        var highS = Order - 5;
        var rs = new byte[64];
        r.TryWriteBytes(rs.AsSpan(0, 32)[(32 - r.GetByteCount(isUnsigned: true))..], out _, isUnsigned: true, isBigEndian: true);
        highS.TryWriteBytes(rs.AsSpan(32, 32), out _, isUnsigned: true, isBigEndian: true);

        var der = EcdsaSigner.ToLowSDer(rs);

        var sequence = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        Assert.Equal(r, sequence.ReadInteger());
        Assert.Equal(new BigInteger(5), sequence.ReadInteger());
    }

    [Fact]
    public void ThePemKeyOfACertificateAuthorityLoads()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var signer = EcdsaSigner.FromPem(key.ExportPkcs8PrivateKeyPem());
        var digest = SHA256.HashData("x"u8);
        Assert.True(key.VerifyHash(digest, signer.Sign(digest), DSASignatureFormat.Rfc3279DerSequence));
    }

    [Fact]
    public void TheTransactionIdIsTheHexSha256OfNonceAndCreator()
    {
        using var credentials = TestCredentials.Create("user1", "Org1MSP");
        var nonce = Enumerable.Range(0, 24).Select(i => (byte)i).ToArray();
        var context = new TransactionContext(credentials.Identity, nonce);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData([.. nonce, .. credentials.Identity.Serialized])), context.TransactionId);
        Assert.Equal(64, context.TransactionId.Length);
    }
}

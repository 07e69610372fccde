using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using HybridEhr.Clients.Fabric;
using HybridEhr.FabricGateway.Identities;
using Xunit;

namespace HybridEhr.FabricGateway.Tests;

/// <summary>The enrolment certificates the gateway issues have the shape a Fabric MSP (with NodeOUs) and fabric-shim accept.</summary>
public sealed class CertificateAuthorityTests : IDisposable
{
    private static readonly Dictionary<string, string> DoctorAttributes = new()
    {
        ["role"] = "doctor",
        ["document_id_hash"] = new string('a', 64),
        ["account_id"] = "0x" + new string('b', 64),
    };

    private readonly TestCertificateAuthority _ca = TestCertificateAuthority.Create("HospitalAMSP");
    private readonly FabricCertificateAuthority _authority;

    public CertificateAuthorityTests() => _authority = _ca.Open();

    [Fact]
    public void TheCertificateIsAnX509V3ClientCertificateSignedByTheCa()
    {
        var issued = _authority.Issue(new string('b', 64), DoctorAttributes);
        using var certificate = X509Certificate2.CreateFromPem(issued.CertificatePem);
        using var caCertificate = X509Certificate2.CreateFromPem(_ca.CertificatePem);

        Assert.Equal(3, certificate.Version);
        Assert.Equal(caCertificate.SubjectName.RawData, certificate.IssuerName.RawData);
        Assert.Equal($"CN={new string('b', 64)}, OU=client, O=hospitala.example.com, L=San Francisco, S=California, C=US", certificate.Subject);
        Assert.Equal("1.2.840.10045.4.3.2", certificate.SignatureAlgorithm.Value); // ecdsa-with-SHA256
        Assert.Equal(256, certificate.GetECDsaPublicKey()!.KeySize);
        Assert.Equal(issued.SerialNumber, certificate.SerialNumber.ToLowerInvariant());

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(caCertificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(certificate), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
    }

    [Fact]
    public void ExtensionsAreThoseOfAFabricCaEnrolmentCertificate()
    {
        using var certificate = X509Certificate2.CreateFromPem(_authority.Issue("drsmith", DoctorAttributes).CertificatePem);
        using var caCertificate = X509Certificate2.CreateFromPem(_ca.CertificatePem);

        var keyUsage = Assert.Single(certificate.Extensions.OfType<X509KeyUsageExtension>());
        Assert.Equal(X509KeyUsageFlags.DigitalSignature, keyUsage.KeyUsages);
        Assert.True(keyUsage.Critical);
        var basic = Assert.Single(certificate.Extensions.OfType<X509BasicConstraintsExtension>());
        Assert.False(basic.CertificateAuthority);
        Assert.True(basic.Critical);
        var subjectKeyId = Assert.Single(certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>());
        Assert.Equal(new X509SubjectKeyIdentifierExtension(certificate.PublicKey, false).SubjectKeyIdentifier, subjectKeyId.SubjectKeyIdentifier);
        var authorityKeyId = Assert.Single(certificate.Extensions.OfType<X509AuthorityKeyIdentifierExtension>());
        Assert.Equal(caCertificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single().SubjectKeyIdentifierBytes.ToArray(),
            authorityKeyId.KeyIdentifier!.Value.ToArray());

        var attributes = Assert.Single(certificate.Extensions.Cast<X509Extension>(), e => e.Oid!.Value == "1.2.3.4.5.6.7.8.1");
        Assert.False(attributes.Critical);
        var attrs = JsonNode.Parse(attributes.RawData)!["attrs"]!.AsObject();
        Assert.Equal("doctor", (string?)attrs["role"]);
        Assert.Equal(new string('a', 64), (string?)attrs["document_id_hash"]);
        Assert.Equal(DoctorAttributes, FabricCertificateAuthority.AttributesOf(certificate));
    }

    [Fact]
    public void ValidityStartsBackdatedAndLastsTheConfiguredTimeButNeverBeyondTheCa()
    {
        var now = DateTimeOffset.UtcNow;
        using var certificate = X509Certificate2.CreateFromPem(_authority.Issue("drsmith", DoctorAttributes).CertificatePem);
        Assert.InRange(new DateTimeOffset(certificate.NotBefore.ToUniversalTime()), now.AddMinutes(-6), now.AddMinutes(-4));
        Assert.InRange(new DateTimeOffset(certificate.NotAfter.ToUniversalTime()), now.AddDays(365).AddMinutes(-1), now.AddDays(365).AddMinutes(1));

        using var longLived = _ca.Open(TimeSpan.FromDays(365 * 50));
        using var capped = X509Certificate2.CreateFromPem(longLived.Issue("drsmith", DoctorAttributes).CertificatePem);
        using var caCertificate = X509Certificate2.CreateFromPem(_ca.CertificatePem);
        Assert.True(capped.NotAfter <= caCertificate.NotAfter);
    }

    [Fact]
    public void TheCertificateSignatureHasALowS()
    {
        // Fabric's MSP normalises high-S certificate signatures before comparing identities; ours never need it.
        for (var i = 0; i < 16; i++)
        {
            using var certificate = X509Certificate2.CreateFromPem(_authority.Issue($"member{i}", DoctorAttributes).CertificatePem);
            var reader = new AsnReader(certificate.RawData, AsnEncodingRules.DER).ReadSequence();
            reader.ReadEncodedValue(); // tbsCertificate
            reader.ReadEncodedValue(); // signatureAlgorithm
            var signature = reader.ReadBitString(out _);
            var values = new AsnReader(signature, AsnEncodingRules.DER).ReadSequence();
            values.ReadInteger();
            Assert.True(values.ReadInteger() <= P256HalfOrder);
        }
    }

    [Fact]
    public void EachCertificateHasItsOwnKeyAndSerial()
    {
        var first = _authority.Issue("drsmith", DoctorAttributes);
        var second = _authority.Issue("drsmith", DoctorAttributes);

        Assert.NotEqual(first.SerialNumber, second.SerialNumber);
        Assert.NotEqual(first.PrivateKeyPem, second.PrivateKeyPem);
        using var key = ECDsa.Create();
        key.ImportFromPem(first.PrivateKeyPem);
        using var certificate = X509Certificate2.CreateFromPem(first.CertificatePem);
        var digest = SHA256.HashData("proposal"u8);
        Assert.True(certificate.GetECDsaPublicKey()!.VerifyHash(digest, new EcdsaSigner(key).Sign(digest), DSASignatureFormat.Rfc3279DerSequence));
    }

    [Fact]
    public void AKeyThatIsNotTheCertificatesIsRefused()
    {
        var other = TestCertificateAuthority.Create("HospitalAMSP");

        var error = Assert.Throws<InvalidOperationException>(() =>
            FabricCertificateAuthority.FromPem("HospitalAMSP", _ca.CertificatePem, other.PrivateKeyPem, TimeSpan.FromDays(1)));

        Assert.Contains("not the key of its certificate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACertificateThatIsNotACaIsRefused()
    {
        var member = _authority.Issue("drsmith", DoctorAttributes);

        var error = Assert.Throws<InvalidOperationException>(() =>
            FabricCertificateAuthority.FromPem("HospitalAMSP", member.CertificatePem, member.PrivateKeyPem, TimeSpan.FromDays(1)));

        Assert.Contains("is not a CA certificate", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _authority.Dispose();

    private static readonly System.Numerics.BigInteger P256HalfOrder = System.Numerics.BigInteger.Parse(
        "0FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", System.Globalization.NumberStyles.HexNumber) / 2;
}

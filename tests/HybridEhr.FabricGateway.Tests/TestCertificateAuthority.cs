using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using HybridEhr.FabricGateway.Identities;

namespace HybridEhr.FabricGateway.Tests;

/// <summary>An organisation CA shaped as cryptogen makes one (P-256, self-signed, CA:true, keyCertSign, SKI), in PEM.</summary>
public sealed class TestCertificateAuthority
{
    private TestCertificateAuthority(string mspId, string certificatePem, string privateKeyPem)
    {
        MspId = mspId;
        CertificatePem = certificatePem;
        PrivateKeyPem = privateKeyPem;
    }

    public string MspId { get; }

    public string CertificatePem { get; }

    public string PrivateKeyPem { get; }

    public static TestCertificateAuthority Create(string mspId, string domain = "hospitala.example.com")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(
            $"CN=ca.{domain}, O={domain}, L=San Francisco, S=California, C=US", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, X509SubjectKeyIdentifierHashAlgorithm.Sha256, false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
        return new TestCertificateAuthority(mspId, certificate.ExportCertificatePem() + "\n", key.ExportPkcs8PrivateKeyPem() + "\n");
    }

    public FabricCertificateAuthority Open(TimeSpan? validity = null, TimeProvider? time = null) =>
        FabricCertificateAuthority.FromPem(MspId, CertificatePem, PrivateKeyPem, validity ?? TimeSpan.FromDays(365), time);

    /// <summary>Writes ca-cert.pem and priv_sk into <paramref name="directory"/>, as cryptogen lays them out.</summary>
    public (string CertPath, string KeyPath) WriteTo(string directory)
    {
        Directory.CreateDirectory(directory);
        var certPath = Path.Combine(directory, $"ca.{MspId}-cert.pem");
        var keyPath = Path.Combine(directory, "priv_sk");
        File.WriteAllText(certPath, CertificatePem);
        File.WriteAllText(keyPath, PrivateKeyPem);
        return (certPath, keyPath);
    }
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace HybridEhr.Clients.Fabric.Tests;

/// <summary>
/// A P-256 key and a self-signed certificate made in the test, with the attributes extension Fabric CAs add
/// (OID 1.2.3.4.5.6.7.8.1, JSON {"attrs":{...}}), as an enrolled member's credentials would look.
/// </summary>
public sealed class TestCredentials : IDisposable
{
    public const string FabricAttributesOid = "1.2.3.4.5.6.7.8.1";

    private TestCredentials(ECDsa key, X509Certificate2 certificate, string mspId)
    {
        Key = key;
        Certificate = certificate;
        MspId = mspId;
    }

    public ECDsa Key { get; }

    public X509Certificate2 Certificate { get; }

    public string MspId { get; }

    public string CertificatePem => Certificate.ExportCertificatePem() + "\n";

    public string PrivateKeyPem => Key.ExportPkcs8PrivateKeyPem() + "\n";

    public Identity Identity => Identity.FromPem(MspId, CertificatePem);

    public static TestCredentials Create(string commonName, string mspId, IReadOnlyDictionary<string, string>? attributes = null)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName},OU=client,O={mspId}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        if (attributes is not null)
        {
            var json = JsonSerializer.Serialize(new { attrs = attributes });
            request.CertificateExtensions.Add(new X509Extension(FabricAttributesOid, Encoding.UTF8.GetBytes(json), critical: false));
        }

        var now = DateTimeOffset.UtcNow;
        var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        return new TestCredentials(key, certificate, mspId);
    }

    public void Dispose()
    {
        Certificate.Dispose();
        Key.Dispose();
    }
}

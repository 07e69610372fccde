using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using HybridEhr.Clients.Fabric;

namespace HybridEhr.FabricGateway.Identities;

/// <summary>An enrolment certificate with its freshly generated private key (both PEM).</summary>
public sealed record IssuedCertificate(string MspId, string CertificatePem, string PrivateKeyPem, string SerialNumber, DateTimeOffset NotAfter);

/// <summary>
/// One hospital's certificate authority, as this service uses it: the org CA's certificate and private key (what
/// cryptogen or fabric-ca put on disk) issue enrolment certificates the organisation's MSP accepts, shaped as Fabric CA
/// shapes them: X.509 v3, a P-256 key generated here, ECDSA-SHA256 with a low S, subject "OU=client, CN=&lt;id&gt;" under
/// the CA's C/ST/L/O (NodeOUs classify by OU), key usage digitalSignature, CA:false, SKI/AKI, and Fabric CA's attribute
/// extension (OID 1.2.3.4.5.6.7.8.1, JSON {"attrs":{...}}) that chaincode reads through ClientIdentity.
/// </summary>
public sealed class FabricCertificateAuthority : IDisposable
{
    public const string AttributesOid = "1.2.3.4.5.6.7.8.1";

    /// <summary>Backdating absorbs clock differences between this host and the peers.</summary>
    public static readonly TimeSpan Backdate = TimeSpan.FromMinutes(5);

    /// <summary>Subject attributes copied from the CA, as Fabric CA copies its CSR defaults (C, ST, L, O).</summary>
    private static readonly string[] InheritedSubjectOids = ["2.5.4.6", "2.5.4.8", "2.5.4.7", "2.5.4.10"];

    private readonly EcdsaSigner _signer;
    private readonly ECDsa _key;
    private readonly TimeProvider _time;

    private FabricCertificateAuthority(string mspId, X509Certificate2 certificate, ECDsa key, TimeSpan validity, TimeProvider time)
    {
        MspId = mspId;
        Certificate = certificate;
        _key = key;
        _signer = new EcdsaSigner(key);
        Validity = validity;
        _time = time;
    }

    public string MspId { get; }

    public X509Certificate2 Certificate { get; }

    public TimeSpan Validity { get; }

    /// <summary>The CA of <paramref name="mspId"/> from its PEM certificate and PEM (PKCS#8 or SEC1) P-256 private key.</summary>
    public static FabricCertificateAuthority FromPem(string mspId, string certificatePem, string privateKeyPem, TimeSpan validity, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(mspId);
        if (validity <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(validity), "The enrolment validity must be positive.");
        }

        var certificate = X509Certificate2.CreateFromPem(certificatePem);
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(privateKeyPem);
            using var certificateKey = certificate.GetECDsaPublicKey()
                ?? throw new InvalidOperationException($"The CA certificate of {mspId} has no ECDSA public key; Fabric CAs here are P-256.");
            if (key.KeySize != 256 || !SamePublicKey(certificateKey, key))
            {
                throw new InvalidOperationException($"The private key given for the CA of {mspId} is not the key of its certificate ({certificate.Subject}).");
            }

            if (certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is { CertificateAuthority: false })
            {
                throw new InvalidOperationException($"The certificate given as the CA of {mspId} ({certificate.Subject}) is not a CA certificate.");
            }

            return new FabricCertificateAuthority(mspId, certificate, key, validity, time ?? TimeProvider.System);
        }
        catch
        {
            key.Dispose();
            certificate.Dispose();
            throw;
        }
    }

    public static FabricCertificateAuthority FromPemFiles(string mspId, string certificatePath, string privateKeyPath, TimeSpan validity, TimeProvider? time = null) =>
        FromPem(mspId, File.ReadAllText(certificatePath), File.ReadAllText(privateKeyPath), validity, time);

    /// <summary>
    /// A client enrolment certificate for <paramref name="enrollmentId"/> (its CN, stable for the member) with the given
    /// attributes in Fabric CA's extension.
    /// </summary>
    public IssuedCertificate Issue(string enrollmentId, IReadOnlyDictionary<string, string> attributes)
    {
        ArgumentException.ThrowIfNullOrEmpty(enrollmentId);
        ArgumentNullException.ThrowIfNull(attributes);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(SubjectFor(enrollmentId), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(IssuerKeyIdentifier()));
        request.CertificateExtensions.Add(new X509Extension(AttributesOid, AttributesJson(attributes), critical: false));

        var now = _time.GetUtcNow();
        var notAfter = now + Validity < Certificate.NotAfter ? now + Validity : new DateTimeOffset(Certificate.NotAfter.ToUniversalTime());
        var serial = NewSerialNumber();
        using var certificate = request.Create(Certificate.SubjectName, new LowSSignatureGenerator(_key, _signer), now - Backdate, notAfter, serial);
        return new IssuedCertificate(
            MspId, certificate.ExportCertificatePem() + "\n", key.ExportPkcs8PrivateKeyPem() + "\n", Convert.ToHexStringLower(serial), notAfter);
    }

    /// <summary>Fabric CA's attribute extension value: UTF-8 JSON {"attrs":{name:value,...}}, names in ordinal order.</summary>
    public static byte[] AttributesJson(IReadOnlyDictionary<string, string> attributes) =>
        JsonSerializer.SerializeToUtf8Bytes(new { attrs = new SortedDictionary<string, string>(attributes.ToDictionary(), StringComparer.Ordinal) });

    /// <summary>The attributes of a certificate's Fabric CA extension (empty when it has none or it is not that JSON).</summary>
    public static IReadOnlyDictionary<string, string> AttributesOf(X509Certificate2 certificate)
    {
        var extension = certificate.Extensions.Cast<X509Extension>().FirstOrDefault(e => e.Oid?.Value == AttributesOid);
        if (extension is null)
        {
            return new Dictionary<string, string>();
        }

        try
        {
            using var document = JsonDocument.Parse(extension.RawData);
            return document.RootElement.TryGetProperty("attrs", out var attrs) && attrs.ValueKind == JsonValueKind.Object
                ? attrs.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal)
                : new Dictionary<string, string>();
        }
        catch (JsonException)
        {
            return new Dictionary<string, string>();
        }
    }

    public void Dispose()
    {
        _signer.Dispose();
        Certificate.Dispose();
    }

    /// <summary>
    /// CN, OU=client, then the CA's O, L, ST, C: the builder takes names in display order (it encodes them reversed), so
    /// the encoding is C, ST, L, O, OU, CN, as cryptogen and Fabric CA write subjects.
    /// </summary>
    private X500DistinguishedName SubjectFor(string enrollmentId)
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddCommonName(enrollmentId);
        builder.AddOrganizationalUnitName("client");
        foreach (var rdn in Certificate.SubjectName.EnumerateRelativeDistinguishedNames(reversed: true))
        {
            if (!rdn.HasMultipleElements && rdn.GetSingleElementType().Value is { } oid && InheritedSubjectOids.Contains(oid)
                && rdn.GetSingleElementValue() is { Length: > 0 } value)
            {
                if (oid == "2.5.4.6")
                {
                    builder.AddCountryOrRegion(value);
                }
                else
                {
                    builder.Add(oid, value);
                }
            }
        }

        return builder.Build();
    }

    private X509SubjectKeyIdentifierExtension IssuerKeyIdentifier() =>
        Certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault()
        ?? new X509SubjectKeyIdentifierExtension(Certificate.PublicKey, critical: false);

    /// <summary>20 random bytes, positive and without a leading zero byte, as RFC 5280 asks.</summary>
    private static byte[] NewSerialNumber()
    {
        var serial = RandomNumberGenerator.GetBytes(20);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x40);
        return serial;
    }

    private static bool SamePublicKey(ECDsa a, ECDsa b)
    {
        var pa = a.ExportParameters(false);
        var pb = b.ExportParameters(false);
        return pa.Curve.Oid.Value == pb.Curve.Oid.Value
            && pa.Q.X.AsSpan().SequenceEqual(pb.Q.X) && pa.Q.Y.AsSpan().SequenceEqual(pb.Q.Y);
    }

    /// <summary>
    /// ECDSA-SHA256 with the S normalised to the lower half, as Fabric's MSP requires of signatures (it re-encodes
    /// high-S certificate signatures before comparing identities; issuing low-S certificates avoids that path).
    /// </summary>
    private sealed class LowSSignatureGenerator(ECDsa key, EcdsaSigner signer) : X509SignatureGenerator
    {
        private readonly X509SignatureGenerator _standard = CreateForECDsa(key);

        public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm) =>
            _standard.GetSignatureAlgorithmIdentifier(hashAlgorithm);

        public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm) =>
            hashAlgorithm == HashAlgorithmName.SHA256
                ? signer.Sign(SHA256.HashData(data))
                : throw new CryptographicException($"Enrolment certificates are signed with SHA-256, not {hashAlgorithm}.");

        protected override PublicKey BuildPublicKey() => _standard.PublicKey;
    }
}

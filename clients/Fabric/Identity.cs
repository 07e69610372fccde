using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Msp;

namespace HybridEhr.Clients.Fabric;

/// <summary>
/// Who the client is on the network: an MSP id and the X.509 certificate that MSP issued. The creator field of every
/// proposal and signed request is this identity serialised as msp.SerializedIdentity (id_bytes = the PEM certificate).
/// </summary>
public sealed class Identity
{
    public Identity(string mspId, X509Certificate2 certificate)
        : this(mspId, certificate, certificate.ExportCertificatePem() + "\n")
    {
    }

    private Identity(string mspId, X509Certificate2 certificate, string certificatePem)
    {
        ArgumentException.ThrowIfNullOrEmpty(mspId);
        MspId = mspId;
        Certificate = certificate;
        CertificatePem = certificatePem;
        Serialized = new SerializedIdentity { Mspid = mspId, IdBytes = ByteString.CopyFromUtf8(CertificatePem) }.ToByteArray();
    }

    public string MspId { get; }

    public X509Certificate2 Certificate { get; }

    public string CertificatePem { get; }

    /// <summary>The serialised msp.SerializedIdentity: the proposal's creator.</summary>
    public byte[] Serialized { get; }

    /// <summary>Keeps the PEM text exactly as given, so the creator bytes are those the CA issued.</summary>
    public static Identity FromPem(string mspId, string certificatePem) =>
        new(mspId, X509Certificate2.CreateFromPem(certificatePem), certificatePem);

    public static Identity FromPemFile(string mspId, string certificatePath) =>
        FromPem(mspId, File.ReadAllText(certificatePath));
}

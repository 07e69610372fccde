namespace HybridEhr.FabricGateway;

/// <summary>Which chain stands behind the service (configuration "FabricGateway:Mode").</summary>
public enum RecordsChainMode
{
    /// <summary>The records chain of the embedded devnet: the default.</summary>
    Devnet,

    /// <summary>A real Hyperledger Fabric network, configured under "FabricGateway:Fabric" (docs/fabric.md).</summary>
    Fabric,
}

/// <summary>Configuration section "FabricGateway".</summary>
public sealed class FabricGatewayOptions
{
    /// <summary>
    /// Shared secret for the hospital-administration call EnrollDoctor (header x-admin-key). Empty = that call is
    /// refused. Development and tests set one; a real hospital enrols doctors with its own Fabric CA instead.
    /// </summary>
    public string AdminKey { get; set; } = "";

    /// <summary>The hospitals served by this gateway (MSP ids), registered on the records chain at start-up.</summary>
    public List<string> Organizations { get; set; } = [];
}

/// <summary>
/// Real mode's per-user identities (section "FabricGateway:Fabric", beside <see cref="Clients.Fabric.FabricGatewaySettings"/>):
/// the hospitals' certificate authorities this gateway issues enrolment certificates with (docs/fabric.md §3.2).
/// </summary>
public sealed class FabricEnrolmentOptions
{
    /// <summary>One entry per hospital: its MSP id and its CA's certificate and private key (PEM paths).</summary>
    public List<CertificateAuthorityOptions> CertificateAuthorities { get; set; } = [];

    /// <summary>Register every CA's organisation in the chaincode at start-up (as network admin); already registered is fine.</summary>
    public bool RegisterOrganizations { get; set; } = true;

    /// <summary>How long issued enrolment certificates are valid (never beyond the CA's own certificate).</summary>
    public TimeSpan EnrolmentValidity { get; set; } = TimeSpan.FromDays(365);

    /// <summary>What is missing or wrong, in words; empty when usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        for (var i = 0; i < CertificateAuthorities.Count; i++)
        {
            var ca = CertificateAuthorities[i];
            var name = $"CertificateAuthorities:{i}";
            if (string.IsNullOrWhiteSpace(ca.MspId))
            {
                problems.Add($"{name}:MspId is required.");
            }

            foreach (var (path, key) in new[] { (ca.CertPath, "CertPath"), (ca.KeyPath, "KeyPath") })
            {
                if (string.IsNullOrWhiteSpace(path))
                {
                    problems.Add($"{name}:{key} is required.");
                }
                else if (!File.Exists(path))
                {
                    problems.Add($"{name}:{key} '{path}' does not exist.");
                }
            }
        }

        foreach (var duplicate in CertificateAuthorities.GroupBy(ca => ca.MspId, StringComparer.Ordinal).Where(g => g.Key.Length > 0 && g.Count() > 1))
        {
            problems.Add($"CertificateAuthorities lists {duplicate.Key} more than once.");
        }

        if (EnrolmentValidity <= TimeSpan.Zero)
        {
            problems.Add("EnrolmentValidity must be positive.");
        }

        return problems;
    }
}

/// <summary>A hospital's CA: cryptogen's ca/ca.&lt;org&gt;-cert.pem and its priv_sk, or fabric-ca's ca-cert.pem and key.</summary>
public sealed class CertificateAuthorityOptions
{
    public string MspId { get; set; } = "";

    public string CertPath { get; set; } = "";

    public string KeyPath { get; set; } = "";
}

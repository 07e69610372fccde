using System.Reflection;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using HybridEhr.FabricGateway.Identities;
using HybridEhr.Testing;
using Xunit;

namespace HybridEhr.FabricGateway.Tests;

/// <summary>
/// The certificates the gateway issues, read by code Fabric runs rather than ours: fabric-shim 2.5.8's ClientIdentity
/// (what every chaincode sees), the records chaincode's own Ledger.caller (compiled), and Node's crypto.X509Certificate
/// (signature under the CA's key, issuance). Needs node and npm; installs chaincode/fabric's packages when missing.
/// A missing node fails these tests, never skips them.
/// </summary>
public sealed class IssuedIdentityNodeChecks : IDisposable
{
    private static readonly string DoctorAccount = "0x" + new string('d', 64);
    private static readonly string DocumentHash = new('a', 64);

    private readonly TestCertificateAuthority _ca = TestCertificateAuthority.Create("HospitalAMSP");
    private readonly FabricCertificateAuthority _authority;

    public IssuedIdentityNodeChecks() => _authority = _ca.Open();

    [Fact]
    public void FabricShimReadsTheMspIdTheAttributesAndTheAccountOfADoctor()
    {
        var issued = _authority.Issue(FabricMembers.EnrollmentIdOf(DoctorAccount), new Dictionary<string, string>
        {
            ["role"] = "doctor",
            ["document_id_hash"] = DocumentHash,
            ["account_id"] = DoctorAccount,
            ["hf.EnrollmentID"] = FabricMembers.EnrollmentIdOf(DoctorAccount),
            ["hf.Type"] = "client",
        });

        var checkedByNode = IdentityCheck.Run(new { mspId = "HospitalAMSP", certificatePem = issued.CertificatePem, caCertificatePem = _ca.CertificatePem });

        Assert.Equal("HospitalAMSP", (string?)checkedByNode["mspId"]);
        var attributes = checkedByNode["attributes"]!.AsObject();
        Assert.Equal("doctor", (string?)attributes["role"]);
        Assert.Equal(DocumentHash, (string?)attributes["document_id_hash"]);
        Assert.Equal(DoctorAccount, (string?)attributes["account_id"]);
        Assert.Equal(new string('d', 64), (string?)attributes["hf.EnrollmentID"]);
        Assert.Equal("client", (string?)attributes["hf.Type"]);

        // fabric-shim's getID: x509::/<attr>=<value>... of subject, then of issuer, in encoding order.
        Assert.Equal(
            $"x509::/C=US/ST=California/L=San Francisco/O=hospitala.example.com/OU=client/CN={new string('d', 64)}" +
            "::/C=US/ST=California/L=San Francisco/O=hospitala.example.com/CN=ca.hospitala.example.com",
            (string?)checkedByNode["id"]);

        // The chaincode's own view of the caller: the account the other services know, the hospital, the role.
        var caller = checkedByNode["caller"]!.AsObject();
        Assert.Equal(DoctorAccount, (string?)caller["accountId"]);
        Assert.Equal("HospitalAMSP", (string?)caller["organization"]);
        Assert.Equal("doctor", (string?)caller["role"]);
        Assert.Equal(DocumentHash, (string?)caller["documentIdHash"]);
    }

    [Fact]
    public void NodeVerifiesTheCertificateAgainstTheCa()
    {
        var issued = _authority.Issue("hybridehr-org-admin", new Dictionary<string, string> { ["role"] = "org_admin" });

        var checkedByNode = IdentityCheck.Run(new { mspId = "HospitalAMSP", certificatePem = issued.CertificatePem, caCertificatePem = _ca.CertificatePem });

        Assert.True((bool)checkedByNode["verifiesWithCaKey"]!, "crypto.X509Certificate.verify(ca.publicKey)");
        Assert.True((bool)checkedByNode["checkIssued"]!, "crypto.X509Certificate.checkIssued(ca)");
        Assert.False((bool)checkedByNode["isCa"]!);
        Assert.Equal("prime256v1", (string?)checkedByNode["publicKeyCurve"]);
        Assert.Contains("OU=client", (string?)checkedByNode["subject"], StringComparison.Ordinal);
        Assert.Equal((string?)checkedByNode["caSubject"], (string?)checkedByNode["issuer"]);
        Assert.Equal("org_admin", (string?)checkedByNode["attributes"]!["role"]);
        Assert.Null(checkedByNode["attributes"]!["document_id_hash"]);
    }

    [Fact]
    public void ACertificateOfAnotherCaDoesNotVerify()
    {
        var other = TestCertificateAuthority.Create("HospitalAMSP");
        using var otherAuthority = other.Open();
        var issued = otherAuthority.Issue("intruder", new Dictionary<string, string> { ["role"] = "doctor" });

        var checkedByNode = IdentityCheck.Run(new { mspId = "HospitalAMSP", certificatePem = issued.CertificatePem, caCertificatePem = _ca.CertificatePem });

        Assert.False((bool)checkedByNode["verifiesWithCaKey"]!);
    }

    public void Dispose() => _authority.Dispose();
}

/// <summary>Runs node/identitycheck.js against chaincode/fabric's fabric-shim and compiled chaincode.</summary>
public static class IdentityCheck
{
    private const string RequiredBy = "the identity checks of the issued certificates need Node.js 20+ and npm";

    private static readonly Lazy<string> Chaincode = new(Prepare, LazyThreadSafetyMode.ExecutionAndPublication);

    private static string Metadata(string key) => typeof(IdentityCheck).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(attribute => attribute.Key == key).Value!;

    public static JsonObject Run(object input)
    {
        var chaincode = Chaincode.Value;
        var inputPath = Path.Combine(Path.GetTempPath(), $"fabric-identitycheck-{Guid.NewGuid():N}.json");
        File.WriteAllText(inputPath, JsonSerializer.Serialize(input));
        try
        {
            var (exitCode, output, error) = ExternalTool.Run(
                "node", ["identitycheck.js", chaincode, inputPath], Metadata("IdentityCheckDirectory"), TimeSpan.FromMinutes(1), RequiredBy);
            return exitCode == 0
                ? JsonNode.Parse(output)!.AsObject()
                : throw new InvalidOperationException($"node identitycheck.js failed ({exitCode}): {error}");
        }
        finally
        {
            File.Delete(inputPath);
        }
    }

    /// <summary>chaincode/fabric with its packages (npm ci) and compiled sources (npm run build), as its own tests need them.</summary>
    private static string Prepare()
    {
        var directory = Metadata("ChaincodeDirectory");
        NpmPackages.EnsureInstalled(directory, ["fabric-shim/package.json"], RequiredBy, timeout: TimeSpan.FromMinutes(5));
        if (!File.Exists(Path.Combine(directory, "dist", "src", "ledger.js")))
        {
            var (exitCode, output, error) = ExternalTool.Run("npm", ["run", "build"], directory, TimeSpan.FromMinutes(2), RequiredBy);
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"npm run build in {directory} failed ({exitCode}): {output}\n{error}");
            }
        }

        return directory;
    }
}

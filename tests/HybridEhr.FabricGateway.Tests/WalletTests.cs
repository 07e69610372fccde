using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using HybridEhr.Clients.Fabric;
using HybridEhr.FabricGateway.Identities;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace HybridEhr.FabricGateway.Tests;

/// <summary>The wallet keeps issued identities across restarts, with private keys sealed and files tamper-evident.</summary>
public sealed class WalletTests : IDisposable
{
    private static readonly string Account = "0x" + new string('b', 64);
    private static readonly Dictionary<string, string> Attributes = new() { ["role"] = "doctor", ["account_id"] = Account };

    private readonly string _directory = Directory.CreateTempSubdirectory("fabric-wallet-").FullName;
    private readonly WalletKey _key = new(RandomNumberGenerator.GetBytes(32));
    private readonly FabricCertificateAuthority _authority = TestCertificateAuthority.Create("HospitalAMSP").Open();

    [Fact]
    public void AnIdentitySurvivesARestartAndStillSigns()
    {
        var issued = _authority.Issue("drsmith", Attributes);
        new FabricWallet(_directory, _key).Put(Account, "doctor", issued);

        var reopened = new FabricWallet(_directory, _key).Find(Account);

        Assert.NotNull(reopened);
        Assert.Equal(issued.CertificatePem, reopened.CertificatePem);
        Assert.Equal(("HospitalAMSP", "doctor"), (reopened.MspId, reopened.Role));
        var digest = SHA256.HashData("proposal"u8);
        using var certificate = X509Certificate2.CreateFromPem(reopened.CertificatePem);
        Assert.True(certificate.GetECDsaPublicKey()!.VerifyHash(digest, new EcdsaSigner(reopened.Key).Sign(digest), DSASignatureFormat.Rfc3279DerSequence));
    }

    [Fact]
    public void ThePrivateKeyIsNotOnDiskInClear()
    {
        var issued = _authority.Issue("drsmith", Attributes);
        new FabricWallet(_directory, _key).Put(Account, "doctor", issued);

        var file = File.ReadAllBytes(WalletFile());
        using var key = ECDsa.Create();
        key.ImportFromPem(issued.PrivateKeyPem);
        var scalar = key.ExportParameters(true).D!;
        Assert.False(Contains(file, scalar), "the private scalar is in the file");
        Assert.False(Contains(file, key.ExportPkcs8PrivateKey()), "the PKCS#8 key is in the file");
        Assert.DoesNotContain("PRIVATE KEY", Encoding.UTF8.GetString(file), StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(key.ExportPkcs8PrivateKey()), Encoding.UTF8.GetString(file), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(WalletFile())!, "*.tmp"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(WalletFile()));
        }
    }

    [Theory]
    [InlineData("role", "org_admin")]
    [InlineData("msp_id", "HospitalBMSP")]
    [InlineData("account_id", "0xcccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc")]
    public void AFileWhoseIdentityWasEditedIsRefused(string field, string value)
    {
        new FabricWallet(_directory, _key).Put(Account, "doctor", _authority.Issue("drsmith", Attributes));
        var json = JsonNode.Parse(File.ReadAllText(WalletFile()))!;
        json[field] = value;
        File.WriteAllText(WalletFile(), json.ToJsonString());

        var error = Assert.Throws<RpcException>(() => new FabricWallet(_directory, _key).Find(Account));

        Assert.Equal(StatusCode.DataLoss, error.StatusCode);
    }

    [Fact]
    public void ACertificateSwappedForAnotherIsRefused()
    {
        new FabricWallet(_directory, _key).Put(Account, "doctor", _authority.Issue("drsmith", Attributes));
        var json = JsonNode.Parse(File.ReadAllText(WalletFile()))!;
        json["certificate_pem"] = _authority.Issue("drsmith", Attributes).CertificatePem;
        File.WriteAllText(WalletFile(), json.ToJsonString());

        Assert.Equal(StatusCode.DataLoss, Assert.Throws<RpcException>(() => new FabricWallet(_directory, _key).Find(Account)).StatusCode);
    }

    [Fact]
    public void AFlippedBitInTheSealedKeyOrAnotherMasterKeyIsRefused()
    {
        new FabricWallet(_directory, _key).Put(Account, "doctor", _authority.Issue("drsmith", Attributes));

        var otherKey = new WalletKey(RandomNumberGenerator.GetBytes(32));
        Assert.Equal(StatusCode.DataLoss, Assert.Throws<RpcException>(() => new FabricWallet(_directory, otherKey).Find(Account)).StatusCode);

        var json = JsonNode.Parse(File.ReadAllText(WalletFile()))!;
        var sealedKey = Convert.FromBase64String((string)json["sealed_key"]!);
        sealedKey[20] ^= 1;
        json["sealed_key"] = Convert.ToBase64String(sealedKey);
        File.WriteAllText(WalletFile(), json.ToJsonString());
        Assert.Equal(StatusCode.DataLoss, Assert.Throws<RpcException>(() => new FabricWallet(_directory, _key).Find(Account)).StatusCode);
    }

    [Fact]
    public void ATruncatedFileIsRefused()
    {
        new FabricWallet(_directory, _key).Put(Account, "doctor", _authority.Issue("drsmith", Attributes));
        File.WriteAllText(WalletFile(), "{\"format\":");

        Assert.Equal(StatusCode.DataLoss, Assert.Throws<RpcException>(() => new FabricWallet(_directory, _key).Find(Account)).StatusCode);
    }

    [Fact]
    public void UnknownOrMalformedAccountsHaveNoIdentity()
    {
        var wallet = new FabricWallet(_directory, _key);

        Assert.Null(wallet.Find(Account));
        Assert.Null(wallet.Find("../../etc/passwd"));
        Assert.Throws<ArgumentException>(() => wallet.Put("../escape", "doctor", _authority.Issue("x", Attributes)));
    }

    [Fact]
    public void TheMasterKeyComesFromConfigurationOrADevelopmentFile()
    {
        var configured = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var sealedBox = WalletKey.Load(configured, _directory, NullLogger.Instance).Seal("secret"u8, "ad"u8);
        Assert.Equal("secret"u8.ToArray(), WalletKey.Load(configured, _directory, NullLogger.Instance).Open(sealedBox, "ad"u8));
        Assert.False(File.Exists(Path.Combine(_directory, "fabric-wallet.key")));

        var development = WalletKey.Load(null, _directory, NullLogger.Instance).Seal("secret"u8, "ad"u8);
        Assert.True(File.Exists(Path.Combine(_directory, "fabric-wallet.key")));
        Assert.Equal("secret"u8.ToArray(), WalletKey.Load(null, _directory, NullLogger.Instance).Open(development, "ad"u8));

        Assert.Contains("must be 32", Assert.Throws<InvalidOperationException>(() =>
            WalletKey.Load(Convert.ToBase64String(new byte[16]), _directory, NullLogger.Instance)).Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _authority.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private string WalletFile() => Path.Combine(_directory, FabricWallet.DirectoryName, Account + ".json");

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}

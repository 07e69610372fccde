using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography;
using System.Text.Json.Serialization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text;
using HybridEhr.Files;
using Grpc.Core;

namespace HybridEhr.FabricGateway.Identities;

/// <summary>
/// A Fabric identity the gateway signs with: who it stands for (the account id the chaincode sees, from the
/// certificate's account_id attribute), its organisation, role, certificate and private key.
/// </summary>
public sealed class FabricMember : IDisposable
{
    public FabricMember(string accountId, string mspId, string role, string certificatePem, ECDsa key)
    {
        AccountId = accountId;
        MspId = mspId;
        Role = role;
        CertificatePem = certificatePem;
        Key = key;
    }

    public string AccountId { get; }

    public string MspId { get; }

    public string Role { get; }

    public string CertificatePem { get; }

    public ECDsa Key { get; }

    public void Dispose() => Key.Dispose();
}

/// <summary>
/// The members' Fabric identities, one file per account under the data directory ("fabric-wallet/&lt;account&gt;.json"):
/// the certificate in clear, the private key sealed with AES-256-GCM under the <see cref="WalletKey"/>. The associated
/// data binds the sealed key to the account, MSP id, role and exact certificate text, so a file whose certificate,
/// account or role was edited (or a key moved into another file) fails to open instead of signing as someone else.
/// Writes are atomic (temporary file, fsync, rename): a crash leaves the old identity or the new one.
/// </summary>
public sealed partial class FabricWallet
{
    public const string DirectoryName = "fabric-wallet";
    private const string Format = "hybridehr-fabric-wallet/v1";

    private readonly string _directory;
    private readonly WalletKey _key;
    private readonly ConcurrentDictionary<string, FabricMember> _opened = new(StringComparer.Ordinal);

    public FabricWallet(string dataDirectory, WalletKey key)
    {
        _directory = Path.Combine(dataDirectory, DirectoryName);
        _key = key;
        Directory.CreateDirectory(_directory);
    }

    /// <summary>Stores an identity durably (replacing the account's previous one) and returns it opened.</summary>
    public FabricMember Put(string accountId, string role, IssuedCertificate issued)
    {
        RequireAccountId(accountId);
        var key = ECDsa.Create();
        key.ImportFromPem(issued.PrivateKeyPem);
        var member = new FabricMember(accountId, issued.MspId, role, issued.CertificatePem, key);
        var pkcs8 = key.ExportPkcs8PrivateKey();
        try
        {
            var entry = new WalletFile(Format, accountId, issued.MspId, role, issued.CertificatePem,
                _key.Seal(pkcs8, AssociatedData(accountId, issued.MspId, role, issued.CertificatePem)));
            AtomicFile.Write(PathOf(accountId), JsonSerializer.SerializeToUtf8Bytes(entry), AtomicFile.OwnerOnly);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }

        _opened[accountId] = member;
        return member;
    }

    /// <summary>The account's identity, or null when it has none; DATA_LOSS when its file was altered.</summary>
    public FabricMember? Find(string accountId)
    {
        if (!AccountIdPattern().IsMatch(accountId))
        {
            return null;
        }

        if (_opened.TryGetValue(accountId, out var cached))
        {
            return cached;
        }

        var path = PathOf(accountId);
        if (!File.Exists(path))
        {
            return null;
        }

        var member = Open(accountId, path);
        return _opened.GetOrAdd(accountId, member);
    }

    private FabricMember Open(string accountId, string path)
    {
        WalletFile? entry;
        try
        {
            entry = JsonSerializer.Deserialize<WalletFile>(File.ReadAllBytes(path));
        }
        catch (JsonException)
        {
            entry = null;
        }

        if (entry is null || entry.Format != Format || entry.AccountId != accountId || entry.SealedKey is null
            || entry.MspId is null || entry.Role is null || entry.CertificatePem is null)
        {
            throw Tampered(accountId);
        }

        byte[] pkcs8;
        try
        {
            pkcs8 = _key.Open(entry.SealedKey, AssociatedData(accountId, entry.MspId, entry.Role, entry.CertificatePem));
        }
        catch (CryptographicException)
        {
            throw Tampered(accountId);
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportPkcs8PrivateKey(pkcs8, out _);
            using var certificate = X509Certificate2.CreateFromPem(entry.CertificatePem);
            using var certificateKey = certificate.GetECDsaPublicKey();
            if (certificateKey is null || !certificateKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
            {
                throw Tampered(accountId);
            }

            return new FabricMember(accountId, entry.MspId, entry.Role, entry.CertificatePem, key);
        }
        catch
        {
            key.Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    private string PathOf(string accountId) => Path.Combine(_directory, accountId + ".json");

    private static byte[] AssociatedData(string accountId, string mspId, string role, string certificatePem) =>
        Encoding.UTF8.GetBytes(string.Join('\u0000', Format, accountId, mspId, role, certificatePem));

    private static void RequireAccountId(string accountId)
    {
        if (!AccountIdPattern().IsMatch(accountId))
        {
            throw new ArgumentException("A wallet account id is 0x followed by 64 lower-case hex digits.", nameof(accountId));
        }
    }

    private static RpcException Tampered(string accountId) =>
        new(new Status(StatusCode.DataLoss, $"The Fabric identity of {accountId} in the wallet failed its integrity check (altered on disk, or another FabricGateway:MasterKey); it cannot be used."));

    /// <summary>Also what keeps file names inside the wallet folder.</summary>
    [GeneratedRegex("^0x[0-9a-f]{64}$")]
    private static partial Regex AccountIdPattern();

    private sealed record WalletFile(
        [property: JsonPropertyName("format")] string? Format,
        [property: JsonPropertyName("account_id")] string? AccountId,
        [property: JsonPropertyName("msp_id")] string? MspId,
        [property: JsonPropertyName("role")] string? Role,
        [property: JsonPropertyName("certificate_pem")] string? CertificatePem,
        [property: JsonPropertyName("sealed_key")] byte[]? SealedKey);
}

using System.Security.Cryptography;
using System.Text.Json.Serialization;
using System.Text.Json;
using HybridEhr.Files;
using HybridEhr.Identity.Crypto;

namespace HybridEhr.Identity.Tokens;

/// <summary>
/// Identity's ES256 (ECDSA P-256) token-signing key: generated on first start, its private key (PKCS#8) sealed under
/// the master key in the data directory, named by a key id derived from the public key (so the id changes whenever
/// the key does and validators never confuse two keys).
/// </summary>
public sealed class TokenSigningKey : IDisposable
{
    private const string FileName = "token-signing-key.json";

    private TokenSigningKey(ECDsa privateKey, string keyId, DateTimeOffset notBefore)
    {
        PrivateKey = privateKey;
        KeyId = keyId;
        NotBefore = notBefore;
        SubjectPublicKeyInfo = privateKey.ExportSubjectPublicKeyInfo();
        PublicKey = ECDsa.Create();
        PublicKey.ImportSubjectPublicKeyInfo(SubjectPublicKeyInfo, out _);
    }

    public ECDsa PrivateKey { get; }

    /// <summary>The same key without its private part, for validation.</summary>
    public ECDsa PublicKey { get; }

    public string KeyId { get; }

    /// <summary>No token signed by this key was issued before this time.</summary>
    public DateTimeOffset NotBefore { get; }

    /// <summary>DER SubjectPublicKeyInfo, as GetSigningKeys publishes it.</summary>
    public byte[] SubjectPublicKeyInfo { get; }

    public static TokenSigningKey LoadOrCreate(string dataDirectory, KeyEncryptionKey kek, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(kek);
        ArgumentNullException.ThrowIfNull(time);
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, FileName);
        if (File.Exists(path))
        {
            var stored = JsonSerializer.Deserialize<KeyFile>(File.ReadAllBytes(path))
                ?? throw new InvalidDataException($"{path} is empty; it was altered.");
            var pkcs8 = kek.Open(stored.PrivateKey, Context(stored.KeyId));
            try
            {
                var key = ECDsa.Create();
                key.ImportPkcs8PrivateKey(pkcs8, out _);
                return KeyIdOf(key) == stored.KeyId
                    ? new TokenSigningKey(key, stored.KeyId, stored.NotBefore)
                    : throw new InvalidDataException($"{path} names a key id that is not its key's; it was altered.");
            }
            finally
            {
                CryptographicOperations.ZeroMemory(pkcs8);
            }
        }

        var created = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var keyId = KeyIdOf(created);
        var notBefore = time.GetUtcNow();
        var privateBytes = created.ExportPkcs8PrivateKey();
        try
        {
            var file = new KeyFile(keyId, "ES256", notBefore, kek.Seal(privateBytes, Context(keyId)));
            AtomicFile.Write(path, JsonSerializer.SerializeToUtf8Bytes(file), AtomicFile.OwnerOnly);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateBytes);
        }

        return new TokenSigningKey(created, keyId, notBefore);
    }

    public void Dispose()
    {
        PrivateKey.Dispose();
        PublicKey.Dispose();
    }

    /// <summary>"es256-" + the first 16 hex digits of SHA-256 of the public key (an RFC 7638-style thumbprint, shortened).</summary>
    private static string KeyIdOf(ECDsa key) => "es256-" + Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16];

    private static string Context(string keyId) => "hybridehr-identity/token-signing-key/" + keyId;

    private sealed record KeyFile(
        [property: JsonPropertyName("key_id")] string KeyId,
        [property: JsonPropertyName("algorithm")] string Algorithm,
        [property: JsonPropertyName("not_before")] DateTimeOffset NotBefore,
        [property: JsonPropertyName("private_key")] SealedBox PrivateKey);
}

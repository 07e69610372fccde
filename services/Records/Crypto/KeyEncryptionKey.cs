using System.Security.Cryptography;
using System.Text;
using HybridEhr.Files;
using HybridEhr.Records.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace HybridEhr.Records.Crypto;

/// <summary>
/// The key that wraps every data key (configuration "Records:MasterKey", base64 of 32 bytes). Without one, a random
/// development key is generated once into the data directory and a warning says so: fine on a laptop, not for
/// real patients, because whoever reads the data directory then also has the key.
/// </summary>
public sealed partial class KeyEncryptionKey
{
    public const string ConfigurationKey = "Records:MasterKey";

    public KeyEncryptionKey(byte[] key)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException("The key-encryption key must be 32 bytes (AES-256).", nameof(key));
        }

        Key = key;
    }

    internal byte[] Key { get; }

    /// <summary>A key for another purpose (page tokens, share-link seals), derived so that it never equals the key-encryption key.</summary>
    public byte[] Derive(string purpose) => HKDF.DeriveKey(HashAlgorithmName.SHA256, Key, 32, info: Encoding.UTF8.GetBytes("hybridehr.records/" + purpose));

    public static KeyEncryptionKey Load(IConfiguration configuration, string dataDirectory, ILogger logger)
    {
        var configured = configuration[ConfigurationKey];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(configured.Trim());
            }
            catch (FormatException)
            {
                throw new InvalidOperationException($"{ConfigurationKey} must be base64 of 32 random bytes.");
            }

            return bytes.Length == 32 ? new KeyEncryptionKey(bytes) : throw new InvalidOperationException($"{ConfigurationKey} must be base64 of exactly 32 bytes.");
        }

        var path = Path.Combine(dataDirectory, "keys", "development-master-key.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.TryCreate(path, RandomNumberGenerator.GetBytes(32), AtomicFile.OwnerOnly);

        LogDevelopmentKey(logger, path, ConfigurationKey);
        return new KeyEncryptionKey(File.ReadAllBytes(path));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No {Setting} configured: records are encrypted under a development key kept in {Path}. Configure a key from a secret store for real data.")]
    private static partial void LogDevelopmentKey(ILogger logger, string path, string setting);
}

using System.Security.Cryptography;
using HybridEhr.Files;
using Microsoft.Extensions.Logging;

namespace HybridEhr.ImageNft.Crypto;

/// <summary>
/// The key-encryption key: from configuration ("ImageNft:MasterKey", base64 of 32 bytes), or else a development key
/// generated once into the data directory, with a warning (a key beside the data protects nothing against disk theft).
/// </summary>
public static partial class MasterKeyLoader
{
    public const string DevelopmentKeyFileName = "development-master.key";

    public static byte[] Load(string? configured, string dataDirectory, ILogger logger)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            byte[] key;
            try
            {
                key = Convert.FromBase64String(configured.Trim());
            }
            catch (FormatException)
            {
                throw new InvalidOperationException("ImageNft:MasterKey is not valid base64.");
            }

            return key.Length == ImageCipher.KeySize
                ? key
                : throw new InvalidOperationException($"ImageNft:MasterKey must decode to {ImageCipher.KeySize} bytes; it has {key.Length}.");
        }

        var path = Path.Combine(dataDirectory, DevelopmentKeyFileName);
        LogDevelopmentKey(logger, path);
        // Created once and never replaced: every wrapped image key depends on it. Of two processes starting at once, one
        // creates it and both read that one.
        AtomicFile.TryCreate(path, System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(ImageCipher.KeySize))),
            AtomicFile.OwnerOnly);
        var stored = Convert.FromBase64String(File.ReadAllText(path).Trim());
        return stored.Length == ImageCipher.KeySize
            ? stored
            : throw new InvalidOperationException($"The development master key at {path} is not {ImageCipher.KeySize} bytes; it was damaged.");
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "ImageNft:MasterKey is not set: image keys are wrapped with a DEVELOPMENT key stored at {Path}. Set ImageNft:MasterKey in production.")]
    private static partial void LogDevelopmentKey(ILogger logger, string path);
}

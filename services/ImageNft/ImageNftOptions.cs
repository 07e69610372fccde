namespace HybridEhr.ImageNft;

/// <summary>Configuration section "ImageNft".</summary>
public sealed class ImageNftOptions
{
    /// <summary>The protocol's bound on an image (image_nft.proto: 1 byte to 64 MiB).</summary>
    public const long ProtocolMaxImageBytes = 64L * 1024 * 1024;

    /// <summary>Largest image accepted; at most <see cref="ProtocolMaxImageBytes"/>. "ImageNft:MaxImageBytes".</summary>
    public long MaxImageBytes { get; set; } = ProtocolMaxImageBytes;

    /// <summary>Base64 of the 32-byte key-encryption key; absent = a development key generated into the data directory.
    /// "ImageNft:MasterKey".</summary>
    public string? MasterKey { get; set; }

    /// <summary>How long an upload whose mint is unconfirmed is left before the chain is asked and it is completed or
    /// removed; longer than any mint takes to commit. "ImageNft:PendingGracePeriod".</summary>
    public TimeSpan PendingGracePeriod { get; set; } = TimeSpan.FromMinutes(2);

    public void Validate()
    {
        if (MaxImageBytes is < 1 or > ProtocolMaxImageBytes)
        {
            throw new InvalidOperationException($"ImageNft:MaxImageBytes must be between 1 and {ProtocolMaxImageBytes}.");
        }
    }
}

using HybridEhr.Clients.Substrate.Metadata;

namespace HybridEhr.Clients.Substrate.Tests;

/// <summary>The static metadata blobs shipped in @polkadot/types-support, fetched once and decoded by our code.</summary>
public static class StaticMetadata
{
    public const string ContractsNodeV14 = "substrate-contracts-node-v14";
    public const string SubstrateV14 = "substrate-v14";
    public const string SubstrateV15 = "substrate-v15";

    public static readonly TheoryData<string> All = [ContractsNodeV14, SubstrateV14, SubstrateV15];

    private static readonly Dictionary<string, byte[]> Blobs = [];
    private static readonly Lock BlobsLock = new();

    public static byte[] Bytes(PolkadotJs polkadot, string name)
    {
        ArgumentNullException.ThrowIfNull(polkadot);
        lock (BlobsLock)
        {
            if (!Blobs.TryGetValue(name, out var bytes))
            {
                bytes = Hex.Decode(polkadot.Run("metadataHex", new { name }).GetProperty("hex").GetString()!);
                Blobs[name] = bytes;
            }

            return bytes;
        }
    }

    public static RuntimeMetadata Decode(PolkadotJs polkadot, string name) => RuntimeMetadata.Decode(Bytes(polkadot, name));
}

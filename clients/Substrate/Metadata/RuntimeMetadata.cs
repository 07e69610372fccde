using HybridEhr.Clients.Substrate.Hashing;
using HybridEhr.Clients.Substrate.Scale;

namespace HybridEhr.Clients.Substrate.Metadata;

/// <summary>
/// Decoded runtime metadata (V14 or V15): the type registry, pallets with their calls, events, storage and constants,
/// and the extrinsic format with its signed extensions. Everything a client needs is looked up here by name.
/// </summary>
public sealed class RuntimeMetadata
{
    private const uint Magic = 0x6174656d; // "meta", little-endian

    public required int Version { get; init; }

    public required PortableTypeRegistry Types { get; init; }

    public required IReadOnlyList<PalletMetadata> Pallets { get; init; }

    public required ExtrinsicMetadata Extrinsic { get; init; }

    public PalletMetadata Pallet(string name) =>
        Pallets.FirstOrDefault(pallet => pallet.Name == name)
        ?? throw new KeyNotFoundException($"the runtime has no pallet '{name}'");

    /// <summary>The pallet and call indices that start an encoded call, e.g. ("Contracts", "call").</summary>
    public (byte PalletIndex, byte CallIndex, TypeVariant Call) FindCall(string palletName, string callName)
    {
        var pallet = Pallet(palletName);
        var calls = pallet.CallsType is { } callsType
            ? Types[callsType].Definition as VariantType
            : null;
        var call = calls?.ByName(callName)
            ?? throw new KeyNotFoundException($"pallet '{palletName}' has no call '{callName}'");
        return (pallet.Index, call.Index, call);
    }

    public StorageEntryMetadata FindStorage(string palletName, string entryName)
    {
        var pallet = Pallet(palletName);
        return pallet.Storage?.Entries.FirstOrDefault(entry => entry.Name == entryName)
            ?? throw new KeyNotFoundException($"pallet '{palletName}' has no storage entry '{entryName}'");
    }

    /// <summary>
    /// Accepts the bytes as the node returns them: the bare "meta"-prefixed form (state_getMetadata), or wrapped as
    /// Vec&lt;u8&gt; (Metadata_metadata) or Option&lt;Vec&lt;u8&gt;&gt; (Metadata_metadata_at_version).
    /// </summary>
    public static RuntimeMetadata Decode(ReadOnlyMemory<byte> bytes)
    {
        var unwrapped = Unwrap(bytes);
        var reader = new ScaleReader(unwrapped);
        reader.U32();
        var version = reader.U8();
        var metadata = version switch
        {
            14 => ReadV14(reader),
            15 => ReadV15(reader),
            _ => throw new NotSupportedException($"runtime metadata V{version} is not supported (V14 and V15 are)"),
        };
        return metadata;
    }

    private static ReadOnlyMemory<byte> Unwrap(ReadOnlyMemory<byte> bytes)
    {
        if (StartsWithMagic(bytes))
        {
            return bytes;
        }

        foreach (var skipOption in new[] { false, true })
        {
            try
            {
                var reader = new ScaleReader(bytes);
                if (skipOption && reader.U8() != 1)
                {
                    continue;
                }

                var length = reader.CompactLength();
                var inner = bytes.Slice(reader.Position, length);
                if (reader.Remaining == length && StartsWithMagic(inner))
                {
                    return inner;
                }
            }
            catch (ScaleException)
            {
                // not this wrapping; try the next
            }
        }

        throw new ScaleException("not runtime metadata: the \"meta\" magic number is missing");
    }

    private static bool StartsWithMagic(ReadOnlyMemory<byte> bytes) =>
        bytes.Length >= 5 && BitConverter.ToUInt32(bytes.Span[..4]) == Magic;

    private static RuntimeMetadata ReadV14(ScaleReader reader)
    {
        var types = PortableTypeRegistry.Read(reader);
        var pallets = reader.Vector(r => PalletMetadata.Read(r, hasDocs: false));
        var extrinsicType = (uint)reader.Compact();
        var extrinsicVersion = reader.U8();
        var extensions = reader.Vector(SignedExtensionMetadata.Read);
        reader.Compact(); // the runtime type
        var parameters = types[extrinsicType].Parameters;
        uint? Param(string name) => parameters.FirstOrDefault(p => p.Name == name)?.Type;
        return new RuntimeMetadata
        {
            Version = 14,
            Types = types,
            Pallets = pallets,
            Extrinsic = new ExtrinsicMetadata(extrinsicVersion, Param("Address"), Param("Call"), Param("Signature"), extensions),
        };
    }

    private static RuntimeMetadata ReadV15(ScaleReader reader)
    {
        var types = PortableTypeRegistry.Read(reader);
        var pallets = reader.Vector(r => PalletMetadata.Read(r, hasDocs: true));
        var extrinsicVersion = reader.U8();
        var addressType = (uint)reader.Compact();
        var callType = (uint)reader.Compact();
        var signatureType = (uint)reader.Compact();
        reader.Compact(); // extra type (the tuple of extensions' extras)
        var extensions = reader.Vector(SignedExtensionMetadata.Read);
        // What follows (runtime type, runtime APIs, outer enums, custom values) is not needed by this client.
        return new RuntimeMetadata
        {
            Version = 15,
            Types = types,
            Pallets = pallets,
            Extrinsic = new ExtrinsicMetadata(extrinsicVersion, addressType, callType, signatureType, extensions),
        };
    }
}

public sealed record PalletMetadata(
    string Name,
    byte Index,
    PalletStorageMetadata? Storage,
    uint? CallsType,
    uint? EventType,
    uint? ErrorType,
    IReadOnlyList<ConstantMetadata> Constants)
{
    internal static PalletMetadata Read(ScaleReader reader, bool hasDocs)
    {
        var name = reader.String();
        var storage = reader.Option(PalletStorageMetadata.Read);
        var calls = reader.OptionValue(r => (uint)r.Compact());
        var events = reader.OptionValue(r => (uint)r.Compact());
        var constants = reader.Vector(ConstantMetadata.Read);
        var errors = reader.OptionValue(r => (uint)r.Compact());
        var index = reader.U8();
        if (hasDocs)
        {
            reader.Vector(r => r.String());
        }

        return new PalletMetadata(name, index, storage, calls, events, errors, constants);
    }
}

public sealed record PalletStorageMetadata(string Prefix, IReadOnlyList<StorageEntryMetadata> Entries)
{
    internal static PalletStorageMetadata Read(ScaleReader reader) =>
        new(reader.String(), reader.Vector(StorageEntryMetadata.Read));
}

/// <summary>A storage item: plain (no key) or a map with one hasher per key part.</summary>
public sealed record StorageEntryMetadata(
    string Name,
    bool IsOptional,
    IReadOnlyList<StorageHasher> Hashers,
    uint? KeyType,
    uint ValueType,
    byte[] Default)
{
    internal static StorageEntryMetadata Read(ScaleReader reader)
    {
        var name = reader.String();
        var isOptional = reader.U8() == 0;
        StorageEntryMetadata entry;
        switch (reader.U8())
        {
            case 0:
                entry = new StorageEntryMetadata(name, isOptional, [], null, (uint)reader.Compact(), []);
                break;
            case 1:
                var hashers = reader.Vector(r => (StorageHasher)r.U8());
                var key = (uint)reader.Compact();
                var value = (uint)reader.Compact();
                entry = new StorageEntryMetadata(name, isOptional, hashers, key, value, []);
                break;
            default:
                throw new ScaleException($"unknown storage entry type in '{name}'");
        }

        var defaultValue = reader.Bytes();
        reader.Vector(r => r.String()); // docs
        return entry with { Default = defaultValue };
    }
}

public sealed record ConstantMetadata(string Name, uint Type, byte[] Value)
{
    internal static ConstantMetadata Read(ScaleReader reader)
    {
        var constant = new ConstantMetadata(reader.String(), (uint)reader.Compact(), reader.Bytes());
        reader.Vector(r => r.String()); // docs
        return constant;
    }
}

/// <summary>A signed extension: what it adds to the extrinsic (<see cref="ExtraType"/>) and to the signed payload only.</summary>
public sealed record SignedExtensionMetadata(string Identifier, uint ExtraType, uint AdditionalSignedType)
{
    internal static SignedExtensionMetadata Read(ScaleReader reader) =>
        new(reader.String(), (uint)reader.Compact(), (uint)reader.Compact());
}

public sealed record ExtrinsicMetadata(
    byte Version,
    uint? AddressType,
    uint? CallType,
    uint? SignatureType,
    IReadOnlyList<SignedExtensionMetadata> SignedExtensions);

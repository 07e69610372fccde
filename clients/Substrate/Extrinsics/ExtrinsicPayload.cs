using HybridEhr.Clients.Substrate.Hashing;
using HybridEhr.Clients.Substrate.Metadata;
using HybridEhr.Clients.Substrate.Scale;

namespace HybridEhr.Clients.Substrate.Extrinsics;

/// <summary>A call as the runtime declares it: pallet, call name and its named arguments.</summary>
public sealed record DecodedCall(string Pallet, string Name, CompositeValue Arguments)
{
    public ScaleValue this[string argument] => Arguments[argument];
}

/// <summary>What one signed extension put into a payload: its extra (in the extrinsic) and additional (signed only) values.</summary>
/// <param name="Extra">The extra value, or for the era its raw bytes (<see cref="BytesValue"/>).</param>
public sealed record SignedExtensionValues(ScaleValue Extra, ScaleValue Additional);

/// <summary>A signing payload taken apart: the call and each signed extension's values, in the runtime's terms.</summary>
public sealed record DecodedSigningPayload(DecodedCall Call, IReadOnlyDictionary<string, SignedExtensionValues> Extensions)
{
    public SignedExtensionValues? Extension(string identifier) => Extensions.GetValueOrDefault(identifier);
}

/// <summary>A version-4 extrinsic taken apart.</summary>
/// <param name="Signer">The signer's account id (32 bytes), or null for an unsigned extrinsic.</param>
/// <param name="Hash">"0x" + blake2b-256 of the extrinsic's bytes: the transaction hash nodes and explorers show.</param>
public sealed record DecodedExtrinsic(byte[]? Signer, DecodedCall Call, string Hash);

/// <summary>
/// The signing payload of an extrinsic (call ++ extra ++ additional) and the reverse direction: decoding payloads and
/// extrinsics with the runtime's metadata, so that a signer can see what it is asked to sign and a reader what a block holds.
/// </summary>
public sealed class ExtrinsicPayload(RuntimeMetadata metadata)
{
    /// <summary>Payloads longer than this are signed by their blake2b-256 hash (Substrate's rule).</summary>
    public const int MaxUnhashedLength = 256;

    private const byte SignedBit = 0x80;
    private const byte VersionMask = 0x7f;

    private readonly TypedCodec codec = new(metadata.Types);

    /// <summary>The bytes an Ed25519 signature of an extrinsic covers: the payload itself, or its hash when long.</summary>
    public static byte[] BytesToSign(byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return payload.Length > MaxUnhashedLength ? SubstrateHashers.Blake2b256(payload) : payload;
    }

    /// <summary>
    /// Decodes a full (unhashed) signing payload; throws <see cref="ScaleException"/> when the bytes are not exactly
    /// one call followed by the extensions' extra and additional values this runtime declares.
    /// </summary>
    public DecodedSigningPayload DecodeSigningPayload(ReadOnlyMemory<byte> payload)
    {
        var reader = new ScaleReader(payload);
        var call = ReadCall(reader);
        var extras = metadata.Extrinsic.SignedExtensions.Select(extension => ReadExtra(reader, extension)).ToList();
        var extensions = new Dictionary<string, SignedExtensionValues>(StringComparer.Ordinal);
        for (var i = 0; i < extras.Count; i++)
        {
            var extension = metadata.Extrinsic.SignedExtensions[i];
            extensions[extension.Identifier] = new SignedExtensionValues(extras[i], codec.Decode(reader, extension.AdditionalSignedType));
        }

        reader.EnsureEnd();
        return new DecodedSigningPayload(call, extensions);
    }

    /// <summary>Decodes a length-prefixed version-4 extrinsic as it appears in a block body.</summary>
    public DecodedExtrinsic DecodeExtrinsic(ReadOnlyMemory<byte> extrinsic)
    {
        var hash = Hex.Encode(SubstrateHashers.Blake2b256(extrinsic.Span));
        var outer = new ScaleReader(extrinsic);
        var length = (int)outer.Compact();
        var reader = new ScaleReader(outer.Take(length).ToArray());
        outer.EnsureEnd();
        var version = reader.U8();
        if ((version & VersionMask) != 4)
        {
            throw new ScaleException($"extrinsic version {version & VersionMask} is not supported");
        }

        byte[]? signer = null;
        if ((version & SignedBit) != 0)
        {
            var address = codec.Decode(reader, metadata.Extrinsic.AddressType ?? throw new ScaleException("the metadata declares no address type"));
            signer = address is VariantValue { Name: "Id" } id ? id.Fields[0].Value.AsBytes() : address.AsBytes();
            codec.Decode(reader, metadata.Extrinsic.SignatureType ?? throw new ScaleException("the metadata declares no signature type"));
            foreach (var extension in metadata.Extrinsic.SignedExtensions)
            {
                ReadExtra(reader, extension);
            }
        }

        var call = ReadCall(reader);
        reader.EnsureEnd();
        return new DecodedExtrinsic(signer, call, hash);
    }

    private DecodedCall ReadCall(ScaleReader reader)
    {
        var palletIndex = reader.U8();
        var pallet = metadata.Pallets.FirstOrDefault(p => p.Index == palletIndex && p.CallsType is not null)
            ?? throw new ScaleException($"no pallet with calls has index {palletIndex}");
        var call = (VariantValue)codec.Decode(reader, pallet.CallsType!.Value);
        return new DecodedCall(pallet.Name, call.Name, new CompositeValue(call.Fields));
    }

    private ScaleValue ReadExtra(ScaleReader reader, SignedExtensionMetadata extension)
    {
        if (extension.Identifier is "CheckMortality" or "CheckEra")
        {
            // The era's format is fixed by the protocol: 0x00 = immortal, else two bytes (see Era.Encode).
            var first = reader.U8();
            return ScaleValue.Of(first == 0 ? [first] : [first, reader.U8()]);
        }

        return codec.Decode(reader, extension.ExtraType);
    }
}

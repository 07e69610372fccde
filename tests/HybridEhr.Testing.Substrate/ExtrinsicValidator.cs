using HybridEhr.Clients.Substrate.Hashing;
using HybridEhr.Clients.Substrate.Metadata;
using HybridEhr.Clients.Substrate.Scale;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace HybridEhr.Testing.Substrate;

/// <summary>What the pool needs to know about the chain to judge a transaction (best block, hashes, nonces).</summary>
internal sealed record ChainFacts(long BestNumber, byte[] GenesisHash, Func<long, byte[]?> HashAt, Func<byte[], ulong> NonceOf);

/// <summary>A signed extrinsic that passed every check and may be applied.</summary>
internal sealed record ValidatedExtrinsic(byte[] Bytes, byte[] Hash, byte[] Signer, ulong Nonce, VariantValue Call);

/// <summary>
/// Decodes and checks a submitted extrinsic the way a Substrate runtime's validate_transaction does: decode
/// (UncheckedExtrinsic v4), look up the signer, rebuild the signed payload from each signed extension's
/// additional_signed (CheckMortality: the hash of the era's birth block, or AncientBirthBlock), verify the signature,
/// then CheckNonce. As on a real node, an era that has passed shows up as a bad signature, because its birth block
/// (recomputed from the current block) is then another block with another hash.
/// </summary>
internal sealed class ExtrinsicValidator
{
    private const int MaxUnhashedPayload = 256;

    private readonly RuntimeMetadata metadata;
    private readonly TypedCodec codec;
    private readonly uint specVersion;
    private readonly uint transactionVersion;
    private readonly long blockHashCount;

    public ExtrinsicValidator(RuntimeMetadata metadata, uint specVersion, uint transactionVersion)
    {
        this.metadata = metadata;
        codec = new TypedCodec(metadata.Types);
        this.specVersion = specVersion;
        this.transactionVersion = transactionVersion;
        var constant = metadata.Pallet("System").Constants.Single(c => c.Name == "BlockHashCount");
        blockHashCount = (long)codec.Decode(constant.Type, constant.Value).AsNumber();
    }

    public ValidatedExtrinsic Validate(byte[] bytes, ChainFacts chain)
    {
        var decoded = Decode(bytes);
        var signer = Signer(decoded.Address);
        var additional = new ScaleWriter();
        foreach (var (extension, raw, _) in decoded.Extensions)
        {
            AdditionalSigned(additional, extension, raw, chain);
        }

        byte[] payload = [.. decoded.CallBytes, .. decoded.ExtraBytes, .. additional.ToArray()];
        if (payload.Length > MaxUnhashedPayload)
        {
            payload = SubstrateHashers.Blake2b256(payload);
        }

        // MultiSignature: only Ed25519 is verified here; anything else is refused like a signature that fails.
        if (decoded.Signature is not VariantValue { Name: "Ed25519" } ed25519
            || ed25519.Fields[0].Value.AsBytes() is not { Length: 64 } signature
            || !Ed25519.Verify(signature, 0, signer, 0, payload, 0, payload.Length))
        {
            throw RpcError.InvalidTransaction(RpcError.BadProof);
        }

        var nonce = (ulong)Number(decoded.Extensions.FirstOrDefault(e => e.Extension.Identifier == "CheckNonce").Value
            ?? throw new NotSupportedException("the runtime declares no CheckNonce extension"));
        var expected = chain.NonceOf(signer);
        if (nonce < expected)
        {
            throw RpcError.InvalidTransaction(RpcError.Stale);
        }

        if (nonce > expected)
        {
            // A real pool would park it in its future queue; the simulator has no queue and refuses it.
            throw RpcError.InvalidTransaction(RpcError.Future);
        }

        return new ValidatedExtrinsic(bytes, SubstrateHashers.Blake2b256(bytes), signer, nonce, decoded.Call);
    }

    /// <summary>The pallet and call names of an extrinsic's call, for callers that only need to recognise it.</summary>
    public static (string Pallet, string Call) NameOf(VariantValue call) =>
        (call.Name, ((VariantValue)call.Fields[0].Value).Name);

    private sealed record Decoded(
        ScaleValue Address,
        ScaleValue Signature,
        List<(SignedExtensionMetadata Extension, byte[] Raw, ScaleValue Value)> Extensions,
        byte[] ExtraBytes,
        byte[] CallBytes,
        VariantValue Call);

    private Decoded Decode(byte[] bytes)
    {
        try
        {
            var reader = new ScaleReader(bytes);
            var length = reader.CompactLength();
            if (length != reader.Remaining)
            {
                throw new ScaleException($"the length prefix says {length} bytes, {reader.Remaining} follow");
            }

            var version = reader.U8();
            if ((version & 0x7f) != 4)
            {
                throw new ScaleException($"extrinsic version {version & 0x7f} (only 4 is supported)");
            }

            if ((version & 0x80) == 0)
            {
                ReadCall(reader);
                throw RpcError.UnknownTransaction(RpcError.NoUnsignedValidator);
            }

            var address = codec.Decode(reader, metadata.Extrinsic.AddressType!.Value);
            var signature = codec.Decode(reader, metadata.Extrinsic.SignatureType!.Value);
            var extraStart = reader.Position;
            var extensions = new List<(SignedExtensionMetadata, byte[], ScaleValue)>();
            foreach (var extension in metadata.Extrinsic.SignedExtensions)
            {
                var start = reader.Position;
                var value = codec.Decode(reader, extension.ExtraType);
                extensions.Add((extension, bytes[start..reader.Position], value));
            }

            var callStart = reader.Position;
            var call = ReadCall(reader);
            reader.EnsureEnd();
            return new Decoded(address, signature, extensions, bytes[extraStart..callStart], bytes[callStart..], call);
        }
        catch (ScaleException error)
        {
            throw RpcError.Verification($"Bad input data provided to validate_transaction: {error.Message}");
        }
        catch (InvalidCastException error)
        {
            throw RpcError.Verification($"Bad input data provided to validate_transaction: {error.Message}");
        }
    }

    private VariantValue ReadCall(ScaleReader reader) =>
        (VariantValue)codec.Decode(reader, metadata.Extrinsic.CallType!.Value);

    // CheckNonce is a newtype around Compact<Nonce>.
    private static System.Numerics.BigInteger Number(ScaleValue value) =>
        value is CompositeValue { Fields: [var only] } ? Number(only.Value) : value.AsNumber();

    // MultiAddress::Id is the account itself; Index, Raw, Address32/20 would need lookups a dev chain cannot do.
    private static byte[] Signer(ScaleValue address) => address switch
    {
        VariantValue { Name: "Id" } id => id.Fields[0].Value.AsBytes(),
        VariantValue => throw RpcError.UnknownTransaction(RpcError.CannotLookup),
        _ => address.AsBytes(),
    };

    private void AdditionalSigned(ScaleWriter writer, SignedExtensionMetadata extension, byte[] extra, ChainFacts chain)
    {
        switch (extension.Identifier)
        {
            case "CheckSpecVersion":
                writer.U32(specVersion);
                break;
            case "CheckTxVersion":
                writer.U32(transactionVersion);
                break;
            case "CheckGenesis":
                writer.Raw(chain.GenesisHash);
                break;
            case "CheckMortality" or "CheckEra":
                writer.Raw(BirthBlockHash(extra, chain));
                break;
            case "CheckMetadataHash":
                // The runtime carries no metadata hash, so whatever the mode, the signed payload holds None.
                writer.U8(0);
                break;
            default:
                if (!codec.IsEmpty(extension.AdditionalSignedType))
                {
                    throw new NotSupportedException($"the simulator cannot fill the additional data of signed extension '{extension.Identifier}'");
                }

                break;
        }
    }

    // frame_system::CheckMortality: the era's birth relative to the block being built (best + 1) must still be in
    // BlockHash (genesis, or one of the last BlockHashCount blocks); its hash is what the signature covers.
    private byte[] BirthBlockHash(byte[] era, ChainFacts chain)
    {
        var current = chain.BestNumber + 1;
        long birth;
        if (era is [0])
        {
            birth = 0;
        }
        else
        {
            var encoded = era[0] | (era[1] << 8);
            var period = 2L << (encoded % 16);
            var quantizeFactor = Math.Max(period >> 12, 1);
            var phase = (encoded >> 4) * quantizeFactor;
            if (period < 4 || phase >= period)
            {
                throw RpcError.Verification("Bad input data provided to validate_transaction: Invalid period and phase");
            }

            birth = ((Math.Max(current, phase) - phase) / period * period) + phase;
        }

        var kept = birth == 0 || (birth < current && birth >= current - blockHashCount);
        return kept && chain.HashAt(birth) is { } hash ? hash : throw RpcError.InvalidTransaction(RpcError.AncientBirthBlock);
    }
}

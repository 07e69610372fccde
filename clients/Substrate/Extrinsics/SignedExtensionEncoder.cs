using HybridEhr.Clients.Substrate.Metadata;
using HybridEhr.Clients.Substrate.Scale;

namespace HybridEhr.Clients.Substrate.Extrinsics;

/// <summary>
/// Encodes, for each signed extension the runtime declares (in its order), the bytes it adds to the extrinsic
/// ("extra") and the bytes only the signature covers ("additional signed"), using the extension's declared types.
/// </summary>
public sealed class SignedExtensionEncoder(RuntimeMetadata metadata)
{
    private readonly TypedCodec codec = new(metadata.Types);

    public (byte[] Extra, byte[] Additional) Encode(SigningParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var extra = new ScaleWriter();
        var additional = new ScaleWriter();
        foreach (var extension in metadata.Extrinsic.SignedExtensions)
        {
            var (extraValue, additionalValue) = Values(extension.Identifier, parameters);
            Write(extra, extension, extension.ExtraType, extraValue, "extra");
            Write(additional, extension, extension.AdditionalSignedType, additionalValue, "additional signed");
        }

        return (extra.ToArray(), additional.ToArray());
    }

    private static (object? Extra, object? Additional) Values(string identifier, SigningParameters p) => identifier switch
    {
        "CheckSpecVersion" => (null, ScaleValue.Of(p.SpecVersion)),
        "CheckTxVersion" => (null, ScaleValue.Of(p.TransactionVersion)),
        "CheckGenesis" => (null, ScaleValue.Of(p.GenesisHash)),
        "CheckMortality" or "CheckEra" => (new RawBytes(p.Era.Encode()), ScaleValue.Of(p.EraBlockHash)),
        "CheckNonce" => (ScaleValue.Of(p.Nonce), null),
        "ChargeTransactionPayment" => (ScaleValue.Of(p.Tip), null),
        "ChargeAssetTxPayment" => (ScaleValue.Record(("tip", ScaleValue.Of(p.Tip)), ("asset_id", ScaleValue.None)), null),
        // Without a metadata hash the mode is Disabled and the signed payload carries None.
        "CheckMetadataHash" => (ScaleValue.Record(("mode", ScaleValue.Variant("Disabled"))), ScaleValue.None),
        _ => (null, null),
    };

    private void Write(ScaleWriter writer, SignedExtensionMetadata extension, uint typeId, object? value, string part)
    {
        switch (value)
        {
            case RawBytes raw:
                writer.Raw(raw.Bytes);
                break;
            case ScaleValue scaleValue:
                codec.Encode(writer, typeId, scaleValue);
                break;
            case null when codec.IsEmpty(typeId):
                break;
            default:
                throw new NotSupportedException(
                    $"signed extension '{extension.Identifier}' needs a {part} value of type {metadata.Types[typeId].PathText}, which this client does not know how to fill");
        }
    }

    /// <summary>Bytes whose format is fixed by the protocol rather than by a registry type (the era).</summary>
    private sealed record RawBytes(byte[] Bytes);
}

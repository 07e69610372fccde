using System.Globalization;
using HybridEhr.Clients.Substrate.Metadata;
using HybridEhr.Clients.Substrate.Scale;

namespace HybridEhr.Clients.Substrate.Chain;

public static class DispatchErrors
{
    /// <summary>Names a DispatchError; Module errors are resolved to "Pallet.ErrorName" through the metadata.</summary>
    public static string Describe(RuntimeMetadata metadata, ScaleValue error)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (error is VariantValue { Name: "Module" } module)
        {
            var moduleError = module.Fields[0].Value;
            var palletIndex = (byte)moduleError["index"].AsNumber();
            // The error index is a u8 in older runtimes and the first byte of [u8; 4] in newer ones.
            var errorField = moduleError["error"];
            var errorIndex = errorField is NumberValue number ? (byte)number.Value : errorField.AsBytes()[0];
            var pallet = metadata.Pallets.FirstOrDefault(p => p.Index == palletIndex);
            var variant = pallet?.ErrorType is { } errorType && metadata.Types[errorType].Definition is VariantType variants
                ? variants.ByIndex(errorIndex)
                : null;
            return $"{pallet?.Name ?? palletIndex.ToString(CultureInfo.InvariantCulture)}.{variant?.Name ?? errorIndex.ToString(CultureInfo.InvariantCulture)}";
        }

        return error is VariantValue variantError ? variantError.Name : error?.ToString() ?? "unknown";
    }
}

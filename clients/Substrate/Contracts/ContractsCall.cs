using System.Numerics;
using HybridEhr.Clients.Substrate.Extrinsics;
using HybridEhr.Clients.Substrate.Metadata;
using HybridEhr.Clients.Substrate.Scale;

namespace HybridEhr.Clients.Substrate.Contracts;

/// <summary>Contracts.call, with arguments shaped by the runtime's own declaration of that call.</summary>
public static class ContractsCall
{
    public static byte[] Encode(ExtrinsicBuilder builder, byte[] contract, byte[] input, Weight gasLimit, BigInteger storageDepositLimit)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(gasLimit);
        var metadata = builder.Metadata;
        var (_, _, call) = metadata.FindCall("Contracts", "call");
        ScaleValue ArgumentFor(TypeField field) => field.Name switch
        {
            "dest" => metadata.Types[field.Type].Definition is VariantType
                ? ScaleValue.Variant("Id", ScaleValue.Of(contract))
                : ScaleValue.Of(contract),
            "value" => ScaleValue.Of(BigInteger.Zero),
            "gas_limit" => metadata.Types[field.Type].Definition is CompactType
                ? ScaleValue.Of(gasLimit.RefTime)
                : ScaleValue.Record(("ref_time", ScaleValue.Of(gasLimit.RefTime)), ("proof_size", ScaleValue.Of(gasLimit.ProofSize))),
            "storage_deposit_limit" => ScaleValue.Some(ScaleValue.Of(storageDepositLimit)),
            "data" => ScaleValue.Of(input),
            _ => throw new NotSupportedException($"Contracts.call has an unknown argument '{field.Name}'"),
        };
        return builder.EncodeCall("Contracts", "call", [.. call.Fields.Select(field => (field.Name!, ArgumentFor(field)))]);
    }
}

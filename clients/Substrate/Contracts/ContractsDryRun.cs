using System.Numerics;
using HybridEhr.Clients.Substrate.Metadata;
using HybridEhr.Clients.Substrate.Scale;

namespace HybridEhr.Clients.Substrate.Contracts;

/// <summary>Weight as pallet-contracts meters it: computation time and proof size.</summary>
public sealed record Weight(ulong RefTime, ulong ProofSize)
{
    /// <summary>Scales both components up by <paramref name="margin"/> (0.2 = +20 %), rounding up.</summary>
    public Weight WithMargin(double margin) =>
        new((ulong)Math.Ceiling(RefTime * (1 + margin)), (ulong)Math.Ceiling(ProofSize * (1 + margin)));
}

/// <summary>The outcome of ContractsApi_call: what the call would cost and what it returned, without changing state.</summary>
public sealed record DryRunResult(
    Weight GasConsumed,
    Weight GasRequired,
    BigInteger StorageDepositCharge,
    bool Reverted,
    byte[] ReturnData,
    ScaleValue? DispatchError,
    string DebugMessage)
{
    public bool Succeeded => DispatchError is null;
}

/// <summary>SCALE layouts of the ContractsApi_call runtime API (arguments and ContractExecResult).</summary>
public static class ContractsDryRun
{
    public const string RuntimeApi = "ContractsApi_call";

    private const uint RevertFlag = 1;

    /// <summary>origin, dest, value, gas_limit (None = the node's maximum), storage_deposit_limit (None = unlimited), input.</summary>
    public static byte[] EncodeArguments(byte[] origin, byte[] contract, BigInteger value, Weight? gasLimit, BigInteger? storageDepositLimit, byte[] input)
    {
        var writer = new ScaleWriter().Raw(origin).Raw(contract).UnsignedFixed(value, 16);
        writer.Option(gasLimit, (w, g) => w.Compact(g.RefTime).Compact(g.ProofSize));
        writer.OptionValue(storageDepositLimit, (w, limit) => w.UnsignedFixed(limit, 16));
        return writer.Bytes(input).ToArray();
    }

    /// <summary>Reads ContractExecResult up to its result; the trailing events (newer runtimes) are not needed.</summary>
    public static DryRunResult Decode(ReadOnlyMemory<byte> bytes, RuntimeMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var reader = new ScaleReader(bytes);
        var consumed = new Weight(reader.CompactU64(), reader.CompactU64());
        var required = new Weight(reader.CompactU64(), reader.CompactU64());
        var depositIsCharge = reader.U8() == 1;
        var deposit = reader.UnsignedFixed(16);
        var debug = System.Text.Encoding.UTF8.GetString(reader.Bytes());
        if (reader.ResultIsOk())
        {
            var flags = reader.U32();
            return new DryRunResult(consumed, required, depositIsCharge ? deposit : 0, (flags & RevertFlag) != 0, reader.Bytes(), null, debug);
        }

        var dispatchErrorType = metadata.Types.FindByPath("sp_runtime::DispatchError")
            ?? throw new ScaleException("the metadata has no sp_runtime::DispatchError type");
        var error = new TypedCodec(metadata.Types).Decode(reader, dispatchErrorType.Id);
        return new DryRunResult(consumed, required, depositIsCharge ? deposit : 0, true, [], error, debug);
    }
}

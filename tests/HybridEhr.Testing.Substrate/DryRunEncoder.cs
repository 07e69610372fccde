using System.Numerics;
using HybridEhr.Clients.Substrate.Contracts;
using HybridEhr.Clients.Substrate.Metadata;
using HybridEhr.Clients.Substrate.Scale;

namespace HybridEhr.Testing.Substrate;

/// <summary>The arguments of ContractsApi_call::call, in the runtime API's declaration order.</summary>
internal sealed record DryRunRequest(byte[] Origin, byte[] Dest, BigInteger Value, Weight? GasLimit, BigInteger? StorageDepositLimit, byte[] Input);

/// <summary>
/// The SCALE layouts of the ContractsApi_call runtime API, written from pallet-contracts' declarations:
/// <c>call(origin: AccountId, dest: AccountId, value: Balance, gas_limit: Option&lt;Weight&gt;,
/// storage_deposit_limit: Option&lt;Balance&gt;, input_data: Vec&lt;u8&gt;)</c> returning
/// <c>ContractResult { gas_consumed: Weight, gas_required: Weight, storage_deposit: StorageDeposit&lt;Balance&gt;,
/// debug_message: Vec&lt;u8&gt;, result: Result&lt;ExecReturnValue { flags: u32, data: Vec&lt;u8&gt; }, DispatchError&gt;,
/// events: Option&lt;Vec&lt;EventRecord&gt;&gt; }</c>. Weight is { ref_time: Compact&lt;u64&gt;, proof_size: Compact&lt;u64&gt; },
/// Balance is u128, StorageDeposit is the enum { Refund(Balance) = 0, Charge(Balance) = 1 }.
/// </summary>
internal sealed class DryRunEncoder(RuntimeMetadata metadata)
{
    private const int AccountIdLength = 32;
    private const int BalanceLength = 16;

    private readonly TypedCodec codec = new(metadata.Types);
    private readonly uint dispatchErrorType = metadata.Types.FindByPath("sp_runtime::DispatchError")?.Id
        ?? throw new InvalidOperationException("the runtime metadata has no sp_runtime::DispatchError");

    public static DryRunRequest DecodeArguments(byte[] bytes)
    {
        var reader = new ScaleReader(bytes);
        var origin = reader.TakeArray(AccountIdLength);
        var dest = reader.TakeArray(AccountIdLength);
        var value = reader.UnsignedFixed(BalanceLength);
        var gasLimit = reader.Option(r => new Weight(r.CompactU64(), r.CompactU64()));
        BigInteger? depositLimit = reader.OptionValue(r => r.UnsignedFixed(BalanceLength));
        var input = reader.Bytes();
        reader.EnsureEnd();
        return new DryRunRequest(origin, dest, value, gasLimit, depositLimit, input);
    }

    /// <summary>A dry run that ran the contract: the flags and data it returned.</summary>
    public byte[] Returned(Weight consumed, Weight required, BigInteger deposit, uint flags, byte[] data) =>
        Encode(consumed, required, deposit, writer => writer.U8(0).U32(flags).Bytes(data));

    /// <summary>A dry run the pallet refused or the contract trapped in: a DispatchError instead of a return value.</summary>
    public byte[] Failed(Weight consumed, Weight required, ScaleValue dispatchError) =>
        Encode(consumed, required, 0, writer => codec.Encode(writer.U8(1), dispatchErrorType, dispatchError));

    private static byte[] Encode(Weight consumed, Weight required, BigInteger deposit, Action<ScaleWriter> result)
    {
        var writer = new ScaleWriter();
        WriteWeight(writer, consumed);
        WriteWeight(writer, required);
        writer.U8(deposit.Sign >= 0 ? (byte)1 : (byte)0).UnsignedFixed(BigInteger.Abs(deposit), BalanceLength);
        writer.Bytes([]); // debug_message: empty, as on a node without debug output
        result(writer);
        writer.U8(0); // events: None (the RPC dry run does not collect them)
        return writer.ToArray();
    }

    private static void WriteWeight(ScaleWriter writer, Weight weight) => writer.Compact(weight.RefTime).Compact(weight.ProofSize);
}

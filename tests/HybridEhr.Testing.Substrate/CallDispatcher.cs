using System.Numerics;
using HybridEhr.Clients.Substrate.Contracts;
using HybridEhr.Clients.Substrate.Hashing;
using HybridEhr.Clients.Substrate.Metadata;
using HybridEhr.Clients.Substrate.Scale;

namespace HybridEhr.Testing.Substrate;

/// <summary>A contract call as pallet-contracts ends it: the contract's outcome, or the DispatchError that stopped it.</summary>
internal sealed record ContractCallResult(ExecutionOutcome? Outcome, ScaleValue? Error, Weight Gas);

/// <summary>One event of an extrinsic with its topics (only contract-related events have any).</summary>
internal sealed record DispatchedEvent(ScaleValue Event, IReadOnlyList<byte[]> Topics);

/// <summary>
/// Applies the call of a valid extrinsic: Contracts.call to the deployed contract and System.remark are supported;
/// every other call is refused by the base call filter (System.CallFiltered), as a runtime that filters it would.
/// </summary>
internal sealed class CallDispatcher(RuntimeMetadata metadata, ContractExecutor executor, byte[] contractAddress, RuntimeEvents events)
{
    private static readonly Weight RemarkWeight = new(10_000_000, 0);

    private readonly TypedCodec codec = new(metadata.Types);

    public (List<DispatchedEvent> Events, IReadOnlyDictionary<string, byte[]?> Writes) Dispatch(ValidatedExtrinsic extrinsic, ContractStorage state, long timestamp)
    {
        var (pallet, call) = ExtrinsicValidator.NameOf(extrinsic.Call);
        var args = (VariantValue)extrinsic.Call.Fields[0].Value;
        switch (pallet, call)
        {
            case ("System", "remark"):
                return ([new(RuntimeEvents.Success(RemarkWeight), [])], Empty);
            case ("Contracts", "call"):
                return ContractsCall(extrinsic, args, state, timestamp);
            default:
                return ([new(RuntimeEvents.Failed(events.ModuleError("System", "CallFiltered"), RemarkWeight), [])], Empty);
        }
    }

    /// <summary>Runs the contract with pallet-contracts' limits: dest must be the contract, gas and deposit within limits.</summary>
    public ContractCallResult CallContract(
        ContractStorage state, byte[] origin, byte[] dest, BigInteger value, Weight? gasLimit, BigInteger? depositLimit, byte[] input, long timestamp, string transactionId)
    {
        if (!dest.AsSpan().SequenceEqual(contractAddress))
        {
            return new(null, events.ModuleError("Contracts", "ContractNotFound"), new Weight(0, 0));
        }

        var outcome = executor.Execute(state, origin, value, input, timestamp, transactionId);
        var gas = outcome.GasRequired;
        if (gasLimit is { } limit && (gas.RefTime > limit.RefTime || gas.ProofSize > limit.ProofSize))
        {
            return new(null, events.ModuleError("Contracts", "OutOfGas"), limit);
        }

        if (outcome.Kind == ExecutionKind.Trapped)
        {
            return new(null, events.ModuleError("Contracts", "ContractTrapped"), gas);
        }

        if (depositLimit is { } maxDeposit && outcome.StorageDeposit > maxDeposit)
        {
            return new(null, events.ModuleError("Contracts", "StorageDepositLimitExhausted"), gas);
        }

        return new(outcome, null, gas);
    }

    private static readonly IReadOnlyDictionary<string, byte[]?> Empty = new Dictionary<string, byte[]?>();

    private (List<DispatchedEvent>, IReadOnlyDictionary<string, byte[]?>) ContractsCall(
        ValidatedExtrinsic extrinsic, VariantValue args, ContractStorage state, long timestamp)
    {
        var gasLimitValue = args["gas_limit"];
        var gasLimit = gasLimitValue is NumberValue legacy
            ? new Weight((ulong)legacy.Value, ulong.MaxValue)
            : new Weight((ulong)gasLimitValue["ref_time"].AsNumber(), (ulong)gasLimitValue["proof_size"].AsNumber());
        BigInteger? depositLimit = args["storage_deposit_limit"] is VariantValue { Name: "Some" } some ? some.Fields[0].Value.AsNumber() : null;
        var destination = args["dest"] switch
        {
            VariantValue { Name: "Id" } id => id.Fields[0].Value.AsBytes(),
            VariantValue => null,
            var plain => plain.AsBytes(),
        };
        if (destination is null)
        {
            // MultiAddress variants other than Id need lookups the runtime's StaticLookup cannot do.
            return ([new(RuntimeEvents.Failed(ScaleValue.Variant("CannotLookup"), gasLimit), [])], Empty);
        }

        var result = CallContract(
            state, extrinsic.Signer, destination, args["value"].AsNumber(), gasLimit, depositLimit, args["data"].AsBytes(),
            timestamp, "0x" + Convert.ToHexStringLower(extrinsic.Hash));
        if (result.Error is { } error)
        {
            return ([new(RuntimeEvents.Failed(error, result.Gas), [])], Empty);
        }

        var outcome = result.Outcome!;
        if (outcome.Kind == ExecutionKind.Reverted)
        {
            // The call dispatched fine; the contract asked for its changes to be rolled back.
            return ([new(RuntimeEvents.Success(result.Gas), [])], Empty);
        }

        var list = outcome.Events
            .Select(e => new DispatchedEvent(
                RuntimeEvents.Event("Contracts", "ContractEmitted", ("contract", ScaleValue.Of(contractAddress)), ("data", ScaleValue.Of(e.Data))),
                e.Topics))
            .ToList();
        list.Add(Called(extrinsic.Signer));
        list.Add(new(RuntimeEvents.Success(result.Gas), []));
        return (list, outcome.Writes);
    }

    // pallet-contracts deposits Called { caller: Origin, contract } with topics hash(caller) and hash(contract).
    private DispatchedEvent Called(byte[] signer)
    {
        var caller = ScaleValue.Variant("Signed", ScaleValue.Of(signer));
        var eventType = (VariantType)metadata.Types[metadata.Pallet("Contracts").EventType!.Value].Definition;
        var callerType = eventType.ByName("Called")!.Fields.Single(f => f.Name == "caller").Type;
        var topics = new[] { SubstrateHashers.Blake2b256(codec.Encode(callerType, caller)), SubstrateHashers.Blake2b256(contractAddress) };
        return new(RuntimeEvents.Event("Contracts", "Called", ("caller", caller), ("contract", ScaleValue.Of(contractAddress))), topics);
    }
}

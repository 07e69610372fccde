using System.Numerics;
using HybridEhr.Clients.Substrate.Chain;
using HybridEhr.Clients.Substrate.Keys;
using HybridEhr.Clients.Substrate.Metadata;
using HybridEhr.Clients.Substrate.Scale;

namespace HybridEhr.Clients.Substrate.Contracts;

/// <summary>How a write is priced: dry-run estimates plus <see cref="Margin"/>, an optional tip, and how long to wait.</summary>
public sealed record WriteOptions
{
    /// <summary>Added to the dry run's weight and storage deposit (0.2 = +20 %), so small state drift between dry run and inclusion does not run out of gas.</summary>
    public double Margin { get; init; } = 0.2;

    public BigInteger Tip { get; init; } = BigInteger.Zero;

    public WatchUntil Until { get; init; } = WatchUntil.InBlock;
}

/// <summary>A contract event emitted by the called contract, decoded with its ink! metadata.</summary>
public sealed record ContractEvent(string Name, ScaleValue Fields);

/// <summary>The result of a committed contract call: its return value (from the dry run), the costs paid for and the events.</summary>
public sealed record ContractWriteResult(
    ScaleValue Value,
    Weight GasLimit,
    BigInteger StorageDepositLimit,
    ExtrinsicOutcome Outcome,
    IReadOnlyList<ContractEvent> Events);

/// <summary>
/// Calls one deployed ink! contract: queries by dry run (no transaction), writes by dry run for weight and storage
/// deposit, then a signed Contracts.call with those limits plus a margin. A write whose dry run fails is not sent.
/// </summary>
public sealed class InkContractClient(SubstrateClient chain, InkAbi abi, byte[] contractAddress)
{
    public InkAbi Abi => abi;

    public SubstrateClient Chain => chain;

    public byte[] Address => contractAddress;

    /// <summary>Runs a message read-only as <paramref name="caller"/> and returns its unwrapped value.</summary>
    public async Task<ScaleValue> QueryAsync(
        byte[] caller, string message, (string Label, ScaleValue Value)[] arguments, CancellationToken cancellationToken = default)
    {
        var dryRun = await DryRunAsync(caller, message, arguments, cancellationToken).ConfigureAwait(false);
        return abi.DecodeReturnUnwrapped(message, dryRun.ReturnData);
    }

    public async Task<DryRunResult> DryRunAsync(
        byte[] caller, string message, (string Label, ScaleValue Value)[] arguments, CancellationToken cancellationToken = default)
    {
        var input = abi.EncodeMessage(message, arguments);
        var request = ContractsDryRun.EncodeArguments(caller, contractAddress, 0, null, null, input);
        var response = await chain.StateCallAsync(ContractsDryRun.RuntimeApi, request, cancellationToken: cancellationToken).ConfigureAwait(false);
        var result = ContractsDryRun.Decode(response, chain.Metadata);
        return result.DispatchError is { } error
            ? throw new ContractCallException($"'{message}' cannot run: {chain.DescribeDispatchError(error)}", result)
            : result;
    }

    /// <summary>Estimates by dry run, then submits a signed Contracts.call and returns its value and events.</summary>
    public async Task<ContractWriteResult> SubmitAsync(
        IExtrinsicSigner signer, string message, (string Label, ScaleValue Value)[] arguments, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signer);
        options ??= new WriteOptions();
        var dryRun = await DryRunAsync(signer.PublicKey, message, arguments, cancellationToken).ConfigureAwait(false);
        // Throws the contract's error here, before any fee is paid, when the call would fail.
        var value = abi.DecodeReturnUnwrapped(message, dryRun.ReturnData);
        if (dryRun.Reverted)
        {
            throw new ContractCallException($"'{message}' would revert", dryRun);
        }

        var gasLimit = dryRun.GasRequired.WithMargin(options.Margin);
        var depositLimit = MultiplyUp(dryRun.StorageDepositCharge, options.Margin);
        var call = BuildCall(abi.EncodeMessage(message, arguments), gasLimit, depositLimit);
        var outcome = await chain.SignAndSubmitAsync(call, signer, options.Tip, options.Until, cancellationToken).ConfigureAwait(false);
        return new ContractWriteResult(value, gasLimit, depositLimit, outcome, ContractEvents(outcome));
    }

    public byte[] BuildCall(byte[] input, Weight gasLimit, BigInteger storageDepositLimit) =>
        ContractsCall.Encode(chain.Extrinsics, contractAddress, input, gasLimit, storageDepositLimit);

    /// <summary>The ContractEmitted events of this contract, decoded; other contracts' events are skipped.</summary>
    public IReadOnlyList<ContractEvent> ContractEvents(ExtrinsicOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return ContractEvents(outcome.Events);
    }

    /// <summary>Of <paramref name="events"/>, this contract's ContractEmitted ones, decoded, in order.</summary>
    public IReadOnlyList<ContractEvent> ContractEvents(IEnumerable<ChainEvent> events) =>
        [.. events.Where(IsOwnContractEvent).Select(e =>
        {
            var (inkEvent, fields) = abi.DecodeEvent(e.Fields["data"].AsBytes(), e.Topics);
            return new ContractEvent(inkEvent.Label, fields);
        })];

    /// <summary>Whether <paramref name="chainEvent"/> is a ContractEmitted of this contract.</summary>
    public bool IsOwnContractEvent(ChainEvent chainEvent) =>
        chainEvent is { Pallet: "Contracts", Name: "ContractEmitted" }
        && chainEvent.Fields["contract"].AsBytes().AsSpan().SequenceEqual(contractAddress);

    private static BigInteger MultiplyUp(BigInteger amount, double margin)
    {
        // Integer arithmetic in parts per million keeps large balances exact.
        var perMillion = new BigInteger(Math.Ceiling((1 + margin) * 1_000_000));
        return ((amount * perMillion) + 999_999) / 1_000_000;
    }
}

/// <summary>The node could not run the call (trap, out of gas, missing contract) or the message reverted.</summary>
public sealed class ContractCallException(string message, DryRunResult dryRun) : Exception(message)
{
    public DryRunResult DryRun => dryRun;
}

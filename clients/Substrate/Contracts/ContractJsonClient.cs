using System.Collections.Concurrent;
using System.Numerics;
using System.Text.Json.Nodes;
using HybridEhr.Clients.Substrate.Hashing;
using HybridEhr.Clients.Substrate.Keys;
using HybridEhr.Clients.Substrate.Scale;

namespace HybridEhr.Clients.Substrate.Contracts;

/// <summary>A contract event as spec JSON: the event's label and an object of its fields.</summary>
public sealed record ContractJsonEvent(string Name, JsonObject Payload);

/// <summary>A committed write, in the terms the services use for any chain.</summary>
/// <param name="TxHash">"0x" + blake2b-256 of the extrinsic.</param>
/// <param name="BlockTimestampMs">Timestamp.Now of the block, in Unix milliseconds.</param>
public sealed record ContractJsonWrite(
    string TxHash, ulong BlockNumber, string BlockHash, uint ExtrinsicIndex, long BlockTimestampMs, JsonNode? Result, IReadOnlyList<ContractJsonEvent> Events);

/// <summary>
/// One ink! contract called with the JSON arguments and results of chaincode/spec, as the devnet contracts take them,
/// so a service can hold one adapter per chain and keep its logic chain-neutral. Errors stay the client's:
/// <see cref="ContractErrorException"/> (the contract said no, before anything was signed), <see cref="InkLangException"/>,
/// <see cref="ContractCallException"/>, <see cref="Chain.ExtrinsicFailedException"/>, <see cref="Rpc.RpcException"/>.
/// </summary>
public sealed class ContractJsonClient(InkContractClient contract)
{
    private readonly InkJson json = new(contract.Abi);

    // One write in flight per signer: each takes the account's next nonce from the node, so two at once would
    // sign the same nonce and the node would keep only one.
    private readonly ConcurrentDictionary<string, SemaphoreSlim> signerGates = new(StringComparer.Ordinal);

    public InkContractClient Contract => contract;

    /// <summary>A read by dry run, as <paramref name="caller"/>; returns the message's value as JSON.</summary>
    public async Task<JsonNode?> QueryAsync(byte[] caller, string message, JsonObject arguments, CancellationToken cancellationToken = default)
    {
        var value = await contract.QueryAsync(caller, message, json.Arguments(message, arguments), cancellationToken).ConfigureAwait(false);
        return json.Result(message, value);
    }

    /// <summary>A write signed by <paramref name="signer"/>: dry run, submit, wait as <paramref name="options"/> say, decode.</summary>
    public async Task<ContractJsonWrite> SubmitAsync(
        IExtrinsicSigner signer, string message, JsonObject arguments, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signer);
        var input = json.Arguments(message, arguments);
        var written = await OneAtATimeAsync(signer, () => contract.SubmitAsync(signer, message, input, options, cancellationToken), cancellationToken)
            .ConfigureAwait(false);
        var outcome = written.Outcome;
        var timestamp = await contract.Chain.GetBlockTimestampAsync(outcome.BlockHash, cancellationToken).ConfigureAwait(false);
        return new ContractJsonWrite(
            outcome.ExtrinsicHash, outcome.BlockNumber, outcome.BlockHash, outcome.ExtrinsicIndex, timestamp,
            json.Result(message, written.Value), [.. written.Events.Select(ToJson)]);
    }

    /// <summary>
    /// Tops up <paramref name="account"/>'s free balance to at least <paramref name="amount"/> with a
    /// Balances.transfer_keep_alive signed by <paramref name="sponsor"/>, so that a new account can pay its fees.
    /// </summary>
    /// <returns>Whether a transfer was made (false when the account already holds enough).</returns>
    public async Task<bool> EndowAsync(IExtrinsicSigner sponsor, byte[] account, BigInteger amount, WriteOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sponsor);
        ArgumentNullException.ThrowIfNull(options);
        var chain = contract.Chain;
        var key = SubstrateHashers.StorageKey("System", "Account", (StorageHasher.Blake2_128Concat, account));
        var stored = await chain.GetStorageAsync(key, cancellationToken: cancellationToken).ConfigureAwait(false);
        var free = stored is null
            ? BigInteger.Zero
            : new TypedCodec(chain.Metadata.Types).Decode(chain.Metadata.FindStorage("System", "Account").ValueType, stored)["data"]["free"].AsNumber();
        if (free >= amount)
        {
            return false;
        }

        var call = chain.Extrinsics.EncodeCall("Balances", "transfer_keep_alive", ("dest", chain.Extrinsics.AddressOf(account)), ("value", ScaleValue.Of(amount - free)));
        await OneAtATimeAsync(sponsor, () => chain.SignAndSubmitAsync(call, sponsor, options.Tip, options.Until, cancellationToken), cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>A decoded contract event as spec JSON.</summary>
    public ContractJsonEvent ToJson(ContractEvent contractEvent)
    {
        ArgumentNullException.ThrowIfNull(contractEvent);
        var declared = contract.Abi.Metadata.Events.First(e => e.Label == contractEvent.Name);
        var payload = new JsonObject();
        foreach (var field in declared.Fields)
        {
            payload[field.Label] = json.ToJson(field.Type, contractEvent.Fields[field.Label]);
        }

        return new ContractJsonEvent(contractEvent.Name, payload);
    }

    private async Task<T> OneAtATimeAsync<T>(IExtrinsicSigner signer, Func<Task<T>> write, CancellationToken cancellationToken)
    {
        var gate = signerGates.GetOrAdd(Convert.ToHexString(signer.PublicKey), _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await write().ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The label of the message a call's input data selects, or null when no message has that selector.</summary>
    public string? MessageOf(byte[] input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Length < 4 ? null : contract.Abi.Metadata.Messages.FirstOrDefault(m => m.Selector.AsSpan().SequenceEqual(input.AsSpan(0, 4)))?.Label;
    }

}

using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using HybridEhr.Clients.Substrate.Contracts;
using HybridEhr.Clients.Substrate.Hashing;
using HybridEhr.Clients.Substrate.Metadata;
using HybridEhr.Clients.Substrate.Scale;
using HybridEhr.Devnet.Contracts.AccessControl;
using HybridEhr.Devnet.Ledger;

namespace HybridEhr.Testing.Substrate;

internal enum ExecutionKind
{
    /// <summary>The message returned normally (flags 0); its writes and events are kept.</summary>
    Returned,

    /// <summary>The message returned with the REVERT flag (a contract error or LangError): nothing is kept.</summary>
    Reverted,

    /// <summary>The contract panicked (pallet-contracts reports ContractTrapped): nothing is kept.</summary>
    Trapped,
}

/// <summary>An ink! event as pallet-contracts stores it: the SCALE data and the topics (signature topic first).</summary>
internal sealed record ContractEmission(string Label, byte[] Data, IReadOnlyList<byte[]> Topics);

internal sealed record ExecutionOutcome(
    ExecutionKind Kind,
    uint Flags,
    byte[] ReturnData,
    IReadOnlyDictionary<string, byte[]?> Writes,
    IReadOnlyList<ContractEmission> Events,
    Weight GasRequired,
    BigInteger StorageDeposit);

/// <summary>
/// Runs the access_control contract as its ink! build would behave on pallet-contracts: the input is a selector plus
/// SCALE arguments decoded with the ink! metadata, the rules are the devnet's C# AccessControlContract (which passes
/// the same chaincode/spec scenarios), and the output is SCALE again: MessageResult&lt;T&gt; or
/// MessageResult&lt;Result&lt;T, Error&gt;&gt; with ink! 5's REVERT flag whenever the message returns an Err.
/// </summary>
internal sealed class ContractExecutor
{
    private const uint RevertFlag = 1;

    private readonly InkMetadata ink;
    private readonly InkAbi abi;
    private readonly InkJson json;
    private readonly TypedCodec codec;
    private readonly AccessControlContract contract = new();
    private readonly BigInteger depositPerByte;
    private readonly BigInteger depositPerItem;

    public ContractExecutor(string inkMetadataPath, RuntimeMetadata runtime)
    {
        ink = InkMetadata.Load(inkMetadataPath);
        abi = new InkAbi(ink);
        json = new InkJson(abi);
        codec = new TypedCodec(ink.Types);
        var runtimeCodec = new TypedCodec(runtime.Types);
        BigInteger Constant(string name)
        {
            var constant = runtime.Pallet("Contracts").Constants.Single(c => c.Name == name);
            return runtimeCodec.Decode(constant.Type, constant.Value).AsNumber();
        }

        depositPerByte = Constant("DepositPerByte");
        depositPerItem = Constant("DepositPerItem");
    }

    public InkMetadata Metadata => ink;

    public ExecutionOutcome Execute(ContractStorage state, byte[] caller, BigInteger value, byte[] input, long timestamp, string transactionId)
    {
        var noWrites = new Dictionary<string, byte[]?>();
        if (!TryDecodeInput(input, out var message, out var arguments))
        {
            // ink!'s dispatcher: an unknown selector or undecodable arguments return Err(LangError::CouldNotReadInput), reverted.
            return new(ExecutionKind.Reverted, RevertFlag, CouldNotReadInput(), noWrites, [], Gas(input.Length, 0), 0);
        }

        if (!value.IsZero && !message.Payable)
        {
            return Trapped(input.Length);
        }

        var context = new ContractCallContext(state, CallerIdentity.Account("0x" + Convert.ToHexStringLower(caller)), timestamp, transactionId);
        JsonNode? result;
        try
        {
            result = contract.Invoke(context, message.Label, arguments);
        }
        catch (ContractException error)
        {
            // A message declared Result<T, Error> returns the matching Error variant; any other message would panic.
            return ErrorVariant(message, error.Code) is { } variant
                ? new(ExecutionKind.Reverted, RevertFlag, EncodeReturn(message, ScaleValue.Variant("Err", ScaleValue.Variant(variant))), noWrites, [], Gas(input.Length, 0), 0)
                : Trapped(input.Length);
        }

        var returnData = EncodeReturn(message, ValueFromJson(abi.ValueType(message.Label), result, message.Label), okInner: true);
        var events = context.Events.Select(e => Emit(e.Name, e.Payload)).ToList();
        return new(ExecutionKind.Returned, 0, returnData, context.Writes, events, Gas(input.Length, context.Writes.Count), Deposit(state, context.Writes));
    }

    private ExecutionOutcome Trapped(int inputLength) =>
        new(ExecutionKind.Trapped, 0, [], new Dictionary<string, byte[]?>(), [], Gas(inputLength, 0), 0);

    // Fixed-ish metering: a base cost, input bytes and written keys; the proof size is a constant budget.
    private static Weight Gas(int inputLength, int writes) =>
        new(1_000_000_000UL + (100_000UL * (ulong)inputLength) + (50_000_000UL * (ulong)writes), 131_072UL);

    // pallet-contracts charges DepositPerItem for every new storage item and DepositPerByte for every byte added,
    // and refunds the same when they go; a negative total is a refund.
    private BigInteger Deposit(ContractStorage state, IReadOnlyDictionary<string, byte[]?> writes)
    {
        var total = BigInteger.Zero;
        foreach (var (key, value) in writes)
        {
            var keyLength = Encoding.UTF8.GetByteCount(key);
            var old = state.Values.GetValueOrDefault(key);
            total += (old, value) switch
            {
                (null, null) => 0,
                (null, { } added) => depositPerItem + (depositPerByte * (keyLength + added.Length)),
                ({ } removed, null) => -(depositPerItem + (depositPerByte * (keyLength + removed.Length))),
                ({ } before, { } after) => depositPerByte * (after.Length - before.Length),
            };
        }

        return total;
    }

    private bool TryDecodeInput(byte[] input, out InkMessage message, out JsonObject arguments)
    {
        message = null!;
        arguments = [];
        if (input.Length < 4)
        {
            return false;
        }

        var found = ink.Messages.FirstOrDefault(m => m.Selector.AsSpan().SequenceEqual(input.AsSpan(0, 4)));
        if (found is null)
        {
            return false;
        }

        try
        {
            var reader = new ScaleReader(input.AsMemory(4));
            foreach (var argument in found.Arguments)
            {
                arguments[argument.Label] = json.ToJson(argument.Type, codec.Decode(reader, argument.Type));
            }

            reader.EnsureEnd();
        }
        catch (ScaleException)
        {
            return false;
        }

        message = found;
        return true;
    }

    private byte[] CouldNotReadInput()
    {
        // Result<(), LangError>::Err(CouldNotReadInput): the shape comes from any message's MessageResult type.
        var messageResult = ink.Messages.First(m => m.ReturnType is not null).ReturnType!.Value;
        return codec.Encode(messageResult, ScaleValue.Variant("Err", ScaleValue.Variant("CouldNotReadInput")));
    }

    /// <summary>MessageResult&lt;X&gt; = Ok(X); when X is Result&lt;T, E&gt; and <paramref name="okInner"/>, Ok(Ok(value)).</summary>
    private byte[] EncodeReturn(InkMessage message, ScaleValue value, bool okInner = false)
    {
        if (message.ReturnType is not { } returnType)
        {
            return [];
        }

        var inner = Parameter(returnType, "T");
        var wrapped = okInner && inner is { } innerType && IsResult(innerType) ? ScaleValue.Variant("Ok", value) : value;
        return codec.Encode(returnType, ScaleValue.Variant("Ok", wrapped));
    }

    private string? ErrorVariant(InkMessage message, string code)
    {
        if (message.ReturnType is not { } returnType || Parameter(returnType, "T") is not { } inner || !IsResult(inner)
            || Parameter(inner, "E") is not { } errorType || ink.Types[errorType].Definition is not VariantType variants)
        {
            return null;
        }

        return variants.Variants.FirstOrDefault(v => ContractErrorException.ToCode(v.Name) == code)?.Name;
    }

    private ScaleValue ValueFromJson(uint? type, JsonNode? node, string what) =>
        type is not { } id ? ScaleValue.Unit
        : codec.IsEmpty(id) ? ScaleValue.Unit
        : json.FromJson(id, node, what);

    private ContractEmission Emit(string name, JsonObject payload)
    {
        var inkEvent = ink.Events.FirstOrDefault(e => e.Label == name)
            ?? throw new InvalidOperationException($"the contract emitted '{name}', which its ink! metadata does not declare");
        var data = new ScaleWriter();
        var topics = new List<byte[]>();
        if (inkEvent.SignatureTopic is { } signature)
        {
            topics.Add(signature);
        }

        for (var i = 0; i < inkEvent.Fields.Count; i++)
        {
            var field = inkEvent.Fields[i];
            var encoded = codec.Encode(field.Type, json.FromJson(field.Type, payload[field.Label], $"{name}.{field.Label}"));
            data.Raw(encoded);
            if (field.Indexed)
            {
                // ink! 5: a topic is the field's encoding when it fits in 32 bytes (zero-padded), else its blake2b-256.
                var topic = new byte[32];
                (encoded.Length <= 32 ? encoded : SubstrateHashers.Blake2b256(encoded)).CopyTo(topic, 0);
                topics.Add(topic);
            }
        }

        return new ContractEmission(name, data.ToArray(), topics);
    }

    private uint? Parameter(uint typeId, string name) =>
        ink.Types[typeId].Parameters.FirstOrDefault(p => p.Name == name)?.Type;

    private bool IsResult(uint typeId) => ink.Types[typeId] is { Path: ["Result"], Definition: VariantType };
}

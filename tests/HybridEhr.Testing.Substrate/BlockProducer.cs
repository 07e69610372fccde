using System.Text;
using HybridEhr.Clients.Substrate;
using HybridEhr.Clients.Substrate.Contracts;
using HybridEhr.Clients.Substrate.Extrinsics;
using HybridEhr.Clients.Substrate.Hashing;
using HybridEhr.Clients.Substrate.Metadata;
using HybridEhr.Clients.Substrate.Scale;

namespace HybridEhr.Testing.Substrate;

/// <summary>
/// Instant seal: every valid extrinsic becomes one block at once (Timestamp.set inherent first, then the extrinsic),
/// finalized as soon as it is made. One lock covers validation and sealing, so nonces are checked and bumped
/// atomically however many connections submit at the same time.
/// </summary>
internal sealed class BlockProducer
{
    private static readonly Weight TimestampWeight = new(9_000_000, 1_493);

    private readonly Lock gate = new();
    private readonly List<SimulatedBlock> blocks = [];
    private readonly Dictionary<string, ulong> nonces = new(StringComparer.Ordinal);
    private readonly ExtrinsicValidator validator;
    private readonly CallDispatcher dispatcher;
    private readonly RuntimeEvents events;
    private readonly DryRunEncoder dryRuns;
    private readonly ExtrinsicBuilder calls;
    private readonly TimeProvider time;

    public BlockProducer(RuntimeMetadata metadata, ExtrinsicValidator validator, CallDispatcher dispatcher, TimeProvider time, byte[] contractAddress, uint specVersion)
    {
        this.validator = validator;
        this.dispatcher = dispatcher;
        this.time = time;
        events = new RuntimeEvents(metadata);
        dryRuns = new DryRunEncoder(metadata);
        calls = new ExtrinsicBuilder(metadata);
        var genesisRoot = SubstrateHashers.Blake2b256([.. "hybridehr contracts-node simulator genesis"u8, .. contractAddress, .. BitConverter.GetBytes(specVersion)]);
        blocks.Add(new SimulatedBlock(
            0, new byte[32], genesisRoot, SubstrateHashers.Blake2b256([]), 0, [], events.Encode([]), ContractStorage.Empty));
    }

    /// <summary>Raised inside the lock, in block order, right after a block is sealed; handlers must not block.</summary>
    public event Action<SimulatedBlock>? Sealed;

    public SimulatedBlock Genesis => blocks[0];

    public SimulatedBlock Best
    {
        get
        {
            lock (gate)
            {
                return blocks[^1];
            }
        }
    }

    public SimulatedBlock? ByNumber(long number)
    {
        lock (gate)
        {
            return number >= 0 && number < blocks.Count ? blocks[(int)number] : null;
        }
    }

    public SimulatedBlock? ByHash(string hash)
    {
        lock (gate)
        {
            return blocks.FirstOrDefault(b => string.Equals(b.HashHex, hash, StringComparison.OrdinalIgnoreCase));
        }
    }

    public ulong NonceOf(byte[] account)
    {
        lock (gate)
        {
            return nonces.GetValueOrDefault(Convert.ToHexStringLower(account));
        }
    }

    /// <summary>Validates the extrinsic and seals it into a new block; an invalid one throws <see cref="RpcError"/> and makes no block.</summary>
    public SimulatedBlock Submit(byte[] extrinsic)
    {
        lock (gate)
        {
            var best = blocks[^1];
            var facts = new ChainFacts(
                best.Number,
                blocks[0].Hash,
                n => n >= 0 && n < blocks.Count ? blocks[(int)n].Hash : null,
                account => nonces.GetValueOrDefault(Convert.ToHexStringLower(account)));
            var valid = validator.Validate(extrinsic, facts);
            var timestamp = Math.Max(Now(), best.Timestamp + 1);
            var (dispatched, writes) = dispatcher.Dispatch(valid, best.State, timestamp);
            nonces[Convert.ToHexStringLower(valid.Signer)] = valid.Nonce + 1;

            var records = new List<RuntimeEvents.Record> { new(0, RuntimeEvents.Success(TimestampWeight, "Mandatory"), []) };
            records.AddRange(dispatched.Select(e => new RuntimeEvents.Record(1, e.Event, e.Topics)));
            var state = writes.Count == 0 ? best.State : best.State.Apply(writes, "0x" + Convert.ToHexStringLower(valid.Hash), best.Number + 1, timestamp);
            var block = Seal(best, timestamp, [TimestampInherent(timestamp), extrinsic], events.Encode(records), state);
            blocks.Add(block);
            Sealed?.Invoke(block);
            return block;
        }
    }

    /// <summary>ContractsApi_call at <paramref name="at"/>: runs the message on that block's state and keeps nothing.</summary>
    public byte[] DryRun(byte[] arguments, SimulatedBlock at)
    {
        DryRunRequest request;
        try
        {
            request = DryRunEncoder.DecodeArguments(arguments);
        }
        catch (ScaleException bad)
        {
            throw new RpcError(4003, $"Client error: Execution failed: Bad input data provided to call: {bad.Message}");
        }

        var result = dispatcher.CallContract(
            at.State, request.Origin, request.Dest, request.Value, request.GasLimit, request.StorageDepositLimit, request.Input,
            at.Timestamp, Hex.Encode(SubstrateHashers.Blake2b256(arguments)));
        return result.Error is { } error
            ? dryRuns.Failed(result.Gas, result.Gas, error)
            : dryRuns.Returned(result.Gas, result.Gas, result.Outcome!.Kind == ExecutionKind.Returned ? result.Outcome.StorageDeposit : 0, result.Outcome.Flags, result.Outcome.ReturnData);
    }

    private long Now() => time.GetUtcNow().ToUnixTimeMilliseconds();

    // An unsigned v4 extrinsic: compact length, version 0x04, then Timestamp.set { now: Compact<u64> }.
    private byte[] TimestampInherent(long timestamp)
    {
        var call = calls.EncodeCall("Timestamp", "set", ("now", ScaleValue.Of((ulong)timestamp)));
        return new ScaleWriter().Bytes([0x04, .. call]).ToArray();
    }

    private static SimulatedBlock Seal(SimulatedBlock parent, long timestamp, byte[][] extrinsics, byte[] eventBytes, ContractStorage state)
    {
        var extrinsicsRoot = SubstrateHashers.Blake2b256([.. extrinsics.SelectMany(e => SubstrateHashers.Blake2b256(e))]);
        var stateDigest = new ScaleWriter().Raw(parent.StateRoot).U64((ulong)timestamp).Bytes(eventBytes);
        foreach (var (key, value) in state.Values)
        {
            stateDigest.Bytes(Encoding.UTF8.GetBytes(key)).Bytes(value);
        }

        return new SimulatedBlock(
            parent.Number + 1, parent.Hash, SubstrateHashers.Blake2b256(stateDigest.ToArray()), extrinsicsRoot, timestamp, extrinsics, eventBytes, state);
    }
}

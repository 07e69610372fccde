using System.Numerics;
using System.Text.Json;
using HybridEhr.Clients.Substrate.Extrinsics;
using HybridEhr.Clients.Substrate.Hashing;
using HybridEhr.Clients.Substrate.Keys;
using HybridEhr.Clients.Substrate.Metadata;
using HybridEhr.Clients.Substrate.Rpc;
using HybridEhr.Clients.Substrate.Scale;

namespace HybridEhr.Clients.Substrate.Chain;

/// <summary>
/// A connection to one node with the runtime's metadata, version and genesis hash loaded: reads storage, calls
/// runtime APIs, and signs, submits and watches extrinsics.
/// </summary>
public sealed class SubstrateClient : IAsyncDisposable
{
    private readonly SubstrateRpcClient rpc;

    private SubstrateClient(SubstrateRpcClient rpc, RuntimeMetadata metadata, RuntimeVersion version, byte[] genesisHash)
    {
        this.rpc = rpc;
        Metadata = metadata;
        Version = version;
        GenesisHash = genesisHash;
        Extrinsics = new ExtrinsicBuilder(metadata);
        Events = new EventDecoder(metadata);
    }

    public RuntimeMetadata Metadata { get; }

    public RuntimeVersion Version { get; }

    public byte[] GenesisHash { get; }

    public ExtrinsicBuilder Extrinsics { get; }

    public EventDecoder Events { get; }

    public SubstrateRpcClient Rpc => rpc;

    /// <summary>Number of blocks a mortal transaction stays valid (rounded to a power of two).</summary>
    public ulong MortalPeriod { get; init; } = 64;

    public static Task<SubstrateClient> ConnectAsync(Uri endpoint, CancellationToken cancellationToken = default) =>
        ConnectAsync(endpoint, 64, cancellationToken);

    /// <summary>Connects and loads metadata, runtime version and genesis hash; signed transactions live <paramref name="mortalPeriod"/> blocks.</summary>
    public static async Task<SubstrateClient> ConnectAsync(Uri endpoint, ulong mortalPeriod, CancellationToken cancellationToken = default)
    {
        var rpc = new SubstrateRpcClient(endpoint);
        try
        {
            var metadataHex = await rpc.RequestAsync("state_getMetadata", [], cancellationToken).ConfigureAwait(false);
            var versionJson = await rpc.RequestAsync("state_getRuntimeVersion", [], cancellationToken).ConfigureAwait(false);
            var genesis = await rpc.RequestAsync("chain_getBlockHash", [0], cancellationToken).ConfigureAwait(false);
            var version = new RuntimeVersion(
                versionJson.GetProperty("specName").GetString()!,
                versionJson.GetProperty("specVersion").GetUInt32(),
                versionJson.GetProperty("transactionVersion").GetUInt32());
            return new SubstrateClient(rpc, RuntimeMetadata.Decode(Hex.Decode(metadataHex.GetString()!)), version, Hex.Decode(genesis.GetString()!))
            {
                MortalPeriod = mortalPeriod,
            };
        }
        catch
        {
            await rpc.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task<ulong> GetNonceAsync(byte[] accountId, CancellationToken cancellationToken = default)
    {
        var nonce = await rpc.RequestAsync("system_accountNextIndex", [Ss58.Encode(accountId)], cancellationToken).ConfigureAwait(false);
        return nonce.GetUInt64();
    }

    public async Task<byte[]?> GetStorageAsync(byte[] key, string? blockHash = null, CancellationToken cancellationToken = default)
    {
        var value = await rpc.RequestAsync("state_getStorage", [Hex.Encode(key), blockHash], cancellationToken).ConfigureAwait(false);
        return value.ValueKind == JsonValueKind.String ? Hex.Decode(value.GetString()!) : null;
    }

    /// <summary>Calls a runtime API function (e.g. "ContractsApi_call") on the best block, or on <paramref name="blockHash"/>.</summary>
    public async Task<byte[]> StateCallAsync(string function, byte[] arguments, string? blockHash = null, CancellationToken cancellationToken = default)
    {
        var value = await rpc.RequestAsync("state_call", [function, Hex.Encode(arguments), blockHash], cancellationToken).ConfigureAwait(false);
        return Hex.Decode(value.GetString()!);
    }

    public async Task<(ulong Number, string Hash)> GetBestBlockAsync(CancellationToken cancellationToken = default)
    {
        var header = await rpc.RequestAsync("chain_getHeader", [], cancellationToken).ConfigureAwait(false);
        var number = Convert.ToUInt64(header.GetProperty("number").GetString(), 16);
        var hash = await rpc.RequestAsync("chain_getBlockHash", [number], cancellationToken).ConfigureAwait(false);
        return (number, hash.GetString()!);
    }

    /// <summary>The hash of block <paramref name="number"/>, or null when the chain has no such block yet.</summary>
    public async Task<string?> GetBlockHashAsync(ulong number, CancellationToken cancellationToken = default)
    {
        var hash = await rpc.RequestAsync("chain_getBlockHash", [number], cancellationToken).ConfigureAwait(false);
        return hash.ValueKind == JsonValueKind.String ? hash.GetString() : null;
    }

    /// <summary>The number of the last finalized block.</summary>
    public async Task<ulong> GetFinalizedNumberAsync(CancellationToken cancellationToken = default)
    {
        var hash = await rpc.RequestAsync("chain_getFinalizedHead", [], cancellationToken).ConfigureAwait(false);
        var header = await rpc.RequestAsync("chain_getHeader", [hash.GetString()], cancellationToken).ConfigureAwait(false);
        return Convert.ToUInt64(header.GetProperty("number").GetString(), 16);
    }

    /// <summary>The extrinsics of a block, as the bytes of each.</summary>
    public async Task<IReadOnlyList<byte[]>> GetBlockExtrinsicsAsync(string blockHash, CancellationToken cancellationToken = default)
    {
        var block = await rpc.RequestAsync("chain_getBlock", [blockHash], cancellationToken).ConfigureAwait(false);
        return [.. block.GetProperty("block").GetProperty("extrinsics").EnumerateArray().Select(hex => Hex.Decode(hex.GetString()!))];
    }

    /// <summary>The events of a block (System.Events at that block).</summary>
    public async Task<IReadOnlyList<ChainEvent>> GetEventsAsync(string blockHash, CancellationToken cancellationToken = default)
    {
        var bytes = await GetStorageAsync(EventDecoder.StorageKey, blockHash, cancellationToken).ConfigureAwait(false);
        return bytes is null ? [] : Events.Decode(bytes);
    }

    /// <summary>The block's time in Unix milliseconds (Timestamp.Now at that block; 0 when the runtime has none).</summary>
    public async Task<long> GetBlockTimestampAsync(string blockHash, CancellationToken cancellationToken = default)
    {
        var bytes = await GetStorageAsync(TimestampNowKey, blockHash, cancellationToken).ConfigureAwait(false);
        return bytes is { Length: 8 } ? (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes) : 0;
    }

    private static readonly byte[] TimestampNowKey = SubstrateHashers.StorageKey("Timestamp", "Now");

    /// <summary>Builds the signing parameters for <paramref name="signer"/>'s next transaction: its nonce and a mortal era from the best block.</summary>
    public async Task<SigningParameters> PrepareSigningAsync(byte[] signer, BigInteger tip, CancellationToken cancellationToken = default)
    {
        var nonce = await GetNonceAsync(signer, cancellationToken).ConfigureAwait(false);
        var (bestNumber, _) = await GetBestBlockAsync(cancellationToken).ConfigureAwait(false);
        var era = Era.Mortal(MortalPeriod, bestNumber);
        var birthHash = await rpc.RequestAsync("chain_getBlockHash", [era.BirthBlock(bestNumber)], cancellationToken).ConfigureAwait(false);
        return new SigningParameters
        {
            SpecVersion = Version.SpecVersion,
            TransactionVersion = Version.TransactionVersion,
            GenesisHash = GenesisHash,
            Nonce = nonce,
            Era = era,
            EraBlockHash = Hex.Decode(birthHash.GetString()!),
            Tip = tip,
        };
    }

    /// <summary>Signs <paramref name="call"/>, submits it and follows it until in a block or finalized; throws if it failed.</summary>
    public async Task<ExtrinsicOutcome> SignAndSubmitAsync(
        byte[] call, IExtrinsicSigner signer, BigInteger tip, WatchUntil until = WatchUntil.InBlock, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signer);
        var parameters = await PrepareSigningAsync(signer.PublicKey, tip, cancellationToken).ConfigureAwait(false);
        var extrinsic = await Extrinsics.BuildSignedAsync(call, signer, parameters, cancellationToken).ConfigureAwait(false);
        return await SubmitAndWatchAsync(extrinsic, until, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ExtrinsicOutcome> SubmitAndWatchAsync(byte[] extrinsic, WatchUntil until, CancellationToken cancellationToken = default)
    {
        var extrinsicHex = Hex.Encode(extrinsic);
        await using var watch = await rpc.SubscribeAsync(
            "author_submitAndWatchExtrinsic", [extrinsicHex], "author_unwatchExtrinsic", cancellationToken).ConfigureAwait(false);
        await foreach (var status in watch.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            var (state, blockHash) = ParseStatus(status);
            switch (state)
            {
                case "inBlock" when until == WatchUntil.InBlock:
                case "finalized":
                    return await OutcomeAsync(extrinsicHex, blockHash!, state == "finalized", cancellationToken).ConfigureAwait(false);
                case "dropped" or "invalid" or "usurped" or "finalityTimeout":
                    throw new ExtrinsicFailedException($"the transaction pool reported '{state}'");
            }
        }

        throw new ExtrinsicFailedException("the extrinsic watch ended without a block");
    }

    // Statuses are either a bare string ("ready", "future", "dropped", ...) or an object with one key ({"inBlock": hash}).
    private static (string State, string? BlockHash) ParseStatus(JsonElement status)
    {
        if (status.ValueKind == JsonValueKind.String)
        {
            return (status.GetString()!, null);
        }

        foreach (var property in status.EnumerateObject())
        {
            return (property.Name, property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null);
        }

        return ("unknown", null);
    }

    private async Task<ExtrinsicOutcome> OutcomeAsync(string extrinsicHex, string blockHash, bool finalized, CancellationToken cancellationToken)
    {
        var block = await rpc.RequestAsync("chain_getBlock", [blockHash], cancellationToken).ConfigureAwait(false);
        var index = block.GetProperty("block").GetProperty("extrinsics").EnumerateArray()
            .Select((hex, i) => (hex.GetString(), i))
            .First(pair => string.Equals(pair.Item1, extrinsicHex, StringComparison.OrdinalIgnoreCase)).i;
        var eventBytes = await GetStorageAsync(EventDecoder.StorageKey, blockHash, cancellationToken).ConfigureAwait(false) ?? [];
        var events = Events.Decode(eventBytes).Where(e => e.ExtrinsicIndex == (uint)index).ToList();
        var outcome = new ExtrinsicOutcome(blockHash, (uint)index, finalized, events)
        {
            BlockNumber = Convert.ToUInt64(block.GetProperty("block").GetProperty("header").GetProperty("number").GetString(), 16),
            ExtrinsicHash = Hex.Encode(SubstrateHashers.Blake2b256(Hex.Decode(extrinsicHex))),
        };
        var failed = events.FirstOrDefault(e => e is { Pallet: "System", Name: "ExtrinsicFailed" });
        if (failed is not null)
        {
            throw new ExtrinsicFailedException($"the extrinsic failed: {DescribeDispatchError(failed.Fields["dispatch_error"])}", outcome);
        }

        return outcome;
    }

    public string DescribeDispatchError(ScaleValue error) => DispatchErrors.Describe(Metadata, error);

    public ValueTask DisposeAsync() => rpc.DisposeAsync();
}

using System.Text;
using HybridEhr.Clients.Substrate.Hashing;

namespace HybridEhr.Testing.Substrate;

/// <summary>
/// A substrate-contracts-node --dev stand-in for tests: WebSocket JSON-RPC on 127.0.0.1, instant seal (one block per
/// valid extrinsic, final at once), the access_control ink! contract deployed at <see cref="ContractAddress"/> and
/// not yet initialised. It checks what a node checks (signature over the rebuilt payload, nonce, era, call decoding,
/// message selector) and encodes every answer with the runtime metadata's types.
/// </summary>
public sealed class ContractsNodeSimulator : IAsyncDisposable
{
    private readonly RpcServer server;
    private readonly NodeRpcMethods methods;
    private readonly BlockProducer producer;

    private ContractsNodeSimulator(RpcServer server, NodeRpcMethods methods, BlockProducer producer, byte[] contractAddress, string metadataPath)
    {
        this.server = server;
        this.methods = methods;
        this.producer = producer;
        ContractAddress = contractAddress;
        MetadataPath = metadataPath;
    }

    /// <summary>ws://127.0.0.1:PORT/</summary>
    public Uri Endpoint => server.Endpoint;

    public byte[] ContractAddress { get; }

    /// <summary>chaincode/ink/access_control.metadata.json: the ink! metadata the deployed contract answers to.</summary>
    public string MetadataPath { get; }

    public long BestBlock => producer.Best.Number;

    /// <summary>Every extrinsic submitted (valid or not), as the 0x-hex the client sent.</summary>
    public IReadOnlyList<string> SubmittedExtrinsics => methods.Submitted;

    /// <summary>The contract address every simulator uses unless told otherwise.</summary>
    public static byte[] DefaultContractAddress { get; } = SubstrateHashers.Blake2b256(Encoding.UTF8.GetBytes("hybridehr:access_control"));

    public static async Task<ContractsNodeSimulator> StartAsync(ContractsNodeSimulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ContractsNodeSimulatorOptions();
        var root = options.RepositoryRoot ?? RepositoryRoot.Find();
        var metadataBytes = await ContractsNodeMetadata.LoadBytesAsync(root, cancellationToken).ConfigureAwait(false);
        var metadata = Clients.Substrate.Metadata.RuntimeMetadata.Decode(metadataBytes);
        var contractAddress = options.ContractAddress is { Length: 32 } given ? [.. given] : DefaultContractAddress;
        var metadataPath = Path.Combine(root, "chaincode", "ink", "access_control.metadata.json");

        var executor = new ContractExecutor(metadataPath, metadata);
        var dispatcher = new CallDispatcher(metadata, executor, contractAddress, new RuntimeEvents(metadata));
        var validator = new ExtrinsicValidator(metadata, options.SpecVersion, options.TransactionVersion);
        var producer = new BlockProducer(metadata, validator, dispatcher, options.TimeProvider, contractAddress, options.SpecVersion);
        RpcServer? server = null;
        NodeRpcMethods? methods = null;
        server = new RpcServer((connection, method, parameters) => methods!.Handle(connection, method, parameters));
        methods = new NodeRpcMethods(producer, metadataBytes, options, () => server.Connections);
        return new ContractsNodeSimulator(server, methods, producer, contractAddress, metadataPath);
    }

    public ValueTask DisposeAsync() => server.DisposeAsync();
}

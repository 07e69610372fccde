using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using HybridEhr.Clients.Substrate;
using HybridEhr.Clients.Substrate.Chain;
using HybridEhr.Clients.Substrate.Contracts;
using HybridEhr.Clients.Substrate.Keys;
using HybridEhr.Clients.Substrate.Scale;

namespace HybridEhr.Testing.Substrate.Tests;

/// <summary>The keys of the scenario and a client connected to a fresh simulator, as a service would hold them.</summary>
public sealed class Parties : IAsyncDisposable
{
    public static readonly Ed25519KeyPair Registrar = Ed25519KeyPair.FromUri("//Registrar");
    public static readonly Ed25519KeyPair Alice = Ed25519KeyPair.FromUri("//Alice");
    public static readonly Ed25519KeyPair Bob = Ed25519KeyPair.FromUri("//Bob");

    private Parties(ContractsNodeSimulator node, SubstrateClient chain)
    {
        Node = node;
        Chain = chain;
        Contract = new InkContractClient(chain, new InkAbi(InkMetadata.Load(node.MetadataPath)), node.ContractAddress);
        Json = new InkJson(Contract.Abi);
    }

    public ContractsNodeSimulator Node { get; }

    public SubstrateClient Chain { get; }

    public InkContractClient Contract { get; }

    public InkJson Json { get; }

    public static async Task<Parties> StartAsync(ContractsNodeSimulatorOptions? options = null)
    {
        var node = await ContractsNodeSimulator.StartAsync(options);
        try
        {
            return new Parties(node, await SubstrateClient.ConnectAsync(node.Endpoint));
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    public static string Account(Ed25519KeyPair key) => Hex.Encode(key.PublicKey);

    public static string DocumentHash(string document) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(document)));

    /// <summary>A write with spec-shaped JSON arguments, as the services will call it.</summary>
    public Task<ContractWriteResult> WriteAsync(Ed25519KeyPair signer, string message, string argumentsJson) =>
        Contract.SubmitAsync(signer, message, Json.Arguments(message, JsonNode.Parse(argumentsJson)!.AsObject()));

    public async Task<JsonNode?> QueryAsync(Ed25519KeyPair caller, string message, string argumentsJson)
    {
        var value = await Contract.QueryAsync(caller.PublicKey, message, Json.Arguments(message, JsonNode.Parse(argumentsJson)!.AsObject()));
        return Json.Result(message, value);
    }

    /// <summary>init by the registrar, Bob attested as a doctor, Alice added as a patient and Bob as a doctor.</summary>
    public async Task EnrolAsync()
    {
        await WriteAsync(Registrar, "init", $$"""{"registrar":"{{Account(Registrar)}}"}""");
        await WriteAsync(Registrar, "attest_doctor", $$"""{"document_id_hash":"{{DocumentHash("doc-bob")}}","organization":"HospitalA"}""");
        await WriteAsync(Alice, "add_user", $$"""{"document_id_hash":"{{DocumentHash("doc-alice")}}","role":"patient"}""");
        await WriteAsync(Bob, "add_user", $$"""{"document_id_hash":"{{DocumentHash("doc-bob")}}","role":"doctor"}""");
    }

    public async ValueTask DisposeAsync()
    {
        await Chain.DisposeAsync();
        await Node.DisposeAsync();
    }

    public static ScaleValue AccountValue(Ed25519KeyPair key) => ScaleValue.Of(key.PublicKey);
}

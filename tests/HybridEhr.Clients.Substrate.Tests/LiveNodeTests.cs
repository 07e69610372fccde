using System.Security.Cryptography;
using HybridEhr.Clients.Substrate.Chain;
using HybridEhr.Clients.Substrate.Contracts;
using HybridEhr.Clients.Substrate.Keys;
using HybridEhr.Clients.Substrate.Scale;

namespace HybridEhr.Clients.Substrate.Tests;

/// <summary>Runs only when SUBSTRATE_TEST_NODE names a node (e.g. ws://127.0.0.1:9944); see docs/substrate.md.</summary>
public sealed class LiveNodeFactAttribute : FactAttribute
{
    public LiveNodeFactAttribute()
    {
        if (string.IsNullOrEmpty(LiveNode.Endpoint))
        {
            Skip = "opt-in: set SUBSTRATE_TEST_NODE=ws://HOST:PORT and SUBSTRATE_TEST_CONTRACT=<address of a deployed access_control> to run against a real node";
        }
        else if (string.IsNullOrEmpty(LiveNode.ContractAddress))
        {
            Skip = "SUBSTRATE_TEST_NODE is set but SUBSTRATE_TEST_CONTRACT (the deployed access_control address) is not";
        }
    }
}

public static class LiveNode
{
    public static string? Endpoint => Environment.GetEnvironmentVariable("SUBSTRATE_TEST_NODE");

    public static string? ContractAddress => Environment.GetEnvironmentVariable("SUBSTRATE_TEST_CONTRACT");

    public static string MetadataPath => Environment.GetEnvironmentVariable("SUBSTRATE_TEST_METADATA")
        ?? Path.Combine(PolkadotJs.RepositoryRoot, "chaincode", "ink", "access_control.metadata.json");

    /// <summary>An Ed25519 secret URI of a funded account (the dev chain's sr25519 //Alice is a different account).</summary>
    public static string Seed => Environment.GetEnvironmentVariable("SUBSTRATE_TEST_SEED") ?? "//Alice";

    public static byte[] Address(string text) =>
        text.StartsWith("0x", StringComparison.Ordinal) ? Hex.Decode(text) : Ss58.Decode(text);
}

public sealed class LiveNodeTests
{
    [LiveNodeFact]
    public async Task The_node_serves_v14_or_v15_metadata_with_the_contracts_pallet()
    {
        await using var chain = await SubstrateClient.ConnectAsync(new Uri(LiveNode.Endpoint!));
        Assert.InRange(chain.Metadata.Version, 14, 15);
        Assert.NotNull(chain.Metadata.FindCall("Contracts", "call").Call);
        Assert.Equal(32, chain.GenesisHash.Length);
        Assert.True(chain.Version.SpecVersion > 0);
    }

    [LiveNodeFact]
    public async Task Queries_answer_by_dry_run()
    {
        await using var chain = await SubstrateClient.ConnectAsync(new Uri(LiveNode.Endpoint!));
        var contract = Contract(chain);
        var stranger = RandomNumberGenerator.GetBytes(32);

        Assert.Equal(ScaleValue.Of(false), await contract.QueryAsync(stranger, "user_exists", [("account", ScaleValue.Of(stranger))]));
        Assert.Equal(ScaleValue.Of(false), await contract.QueryAsync(stranger, "has_permission", [("patient", ScaleValue.Of(stranger)), ("grantee", ScaleValue.Of(stranger))]));
        var error = await Assert.ThrowsAsync<ContractErrorException>(() => contract.QueryAsync(stranger, "get_user", [("account", ScaleValue.Of(stranger))]));
        Assert.Equal("USER_NOT_FOUND", error.Code);
    }

    [LiveNodeFact]
    public async Task A_write_is_included_with_dry_run_gas_and_emits_its_event()
    {
        await using var chain = await SubstrateClient.ConnectAsync(new Uri(LiveNode.Endpoint!));
        var contract = Contract(chain);
        var signer = Ed25519KeyPair.FromUri(LiveNode.Seed);
        var registered = await contract.QueryAsync(signer.PublicKey, "user_exists", [("account", ScaleValue.Of(signer.PublicKey))]);
        if (registered == ScaleValue.Of(false))
        {
            var added = await contract.SubmitAsync(signer, "add_user",
                [("document_id_hash", ScaleValue.Of(RandomNumberGenerator.GetBytes(32))), ("role", ScaleValue.None)]);
            Assert.Equal("UserAdded", Assert.Single(added.Events).Name);
            Assert.True(added.GasLimit.RefTime > 0);
        }

        var role = await contract.QueryAsync(signer.PublicKey, "get_role", []);
        Assert.IsType<VariantValue>(role);
        Assert.Equal("Some", ((VariantValue)role).Name);
        var again = await Assert.ThrowsAsync<ContractErrorException>(() => contract.SubmitAsync(signer, "add_user",
            [("document_id_hash", ScaleValue.Of(RandomNumberGenerator.GetBytes(32))), ("role", ScaleValue.None)]));
        Assert.Equal("ALREADY_REGISTERED", again.Code);
    }

    private static InkContractClient Contract(SubstrateClient chain) =>
        new(chain, new InkAbi(InkMetadata.Load(LiveNode.MetadataPath)), LiveNode.Address(LiveNode.ContractAddress!));
}

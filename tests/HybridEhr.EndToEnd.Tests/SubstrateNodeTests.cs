using System.Globalization;
using HybridEhr.Clients.Substrate;
using HybridEhr.Testing.Substrate;
using Xunit;

namespace HybridEhr.EndToEnd.Tests;

/// <summary>
/// The system with its permission chain on a Substrate node running the ink! access_control contract
/// (PermissionChain:Mode = substrate) instead of the devnet. Identity and Permissions sign every write with the
/// acting user's key through Identity's Substrate payload checks.
/// <para>
/// Which node: by default the in-process <see cref="ContractsNodeSimulator"/> (contract deployed, not initialised;
/// Identity initialises it with its registrar at start). With SUBSTRATE_TEST_NODE=ws://... a real node instead
/// (docs/substrate.md §5), which then needs SUBSTRATE_TEST_CONTRACT (address), SUBSTRATE_TEST_METADATA (the deployed
/// build's metadata JSON) and SUBSTRATE_TEST_REGISTRAR_SEED (0x + 32-byte Ed25519 seed of a funded account; the
/// contract's registrar if it was deployed with one), and optionally SUBSTRATE_TEST_ENDOWMENT (what the registrar
/// gives each new account for fees, default 10^15). Anything missing then fails the collection; it never skips.
/// </para>
/// </summary>
public sealed class SubstrateSystemFixture : InMemorySystemFixture
{
    public const string NodeVariable = "SUBSTRATE_TEST_NODE";

    private ContractsNodeSimulator? _simulator;

    /// <summary>The simulated node, or null when the tests run against a real one.</summary>
    public ContractsNodeSimulator? Simulator => _simulator;

    public override string Transport => RealNode is null ? "in-memory, permission chain on a simulated Substrate node" : $"in-memory, permission chain on {RealNode}";

    private static string? RealNode => System.Environment.GetEnvironmentVariable(NodeVariable) is { Length: > 0 } node ? node : null;

    protected override async Task StartDependenciesAsync()
    {
        if (RealNode is null)
        {
            _simulator = await ContractsNodeSimulator.StartAsync();
        }
    }

    protected override async Task StopDependenciesAsync()
    {
        if (_simulator is not null)
        {
            await _simulator.DisposeAsync();
        }
    }

    protected override IReadOnlyDictionary<string, string> Environment()
    {
        var settings = new Dictionary<string, string> { ["PermissionChain__Mode"] = "substrate" };
        if (_simulator is not null)
        {
            settings["PermissionChain__Substrate__NodeEndpoint"] = _simulator.Endpoint.AbsoluteUri;
            settings["PermissionChain__Substrate__ContractAddress"] = Hex.Encode(_simulator.ContractAddress);
            settings["PermissionChain__Substrate__MetadataPath"] = _simulator.MetadataPath;
            return settings;
        }

        settings["PermissionChain__Substrate__NodeEndpoint"] = RealNode!;
        settings["PermissionChain__Substrate__ContractAddress"] = Required("SUBSTRATE_TEST_CONTRACT");
        settings["PermissionChain__Substrate__MetadataPath"] = Required("SUBSTRATE_TEST_METADATA");
        settings["Identity__RegistrarSeed"] = Required("SUBSTRATE_TEST_REGISTRAR_SEED");
        settings["PermissionChain__Substrate__Endowment"] = System.Environment.GetEnvironmentVariable("SUBSTRATE_TEST_ENDOWMENT") is { Length: > 0 } endowment
            ? endowment
            : (1_000_000_000_000_000L).ToString(CultureInfo.InvariantCulture);
        return settings;
    }

    private static string Required(string variable) =>
        System.Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{NodeVariable} is set, so {variable} is required too (see docs/substrate.md §5).");
}

[CollectionDefinition(Name)]
public sealed class SubstrateCollection : ICollectionFixture<SubstrateSystemFixture>
{
    public const string Name = "substrate permission chain system";
}

[Collection(SubstrateCollection.Name)]
public sealed class PaperFlowsOnSubstrate(SubstrateSystemFixture fixture) : PaperFlowTests(fixture);

/// <summary>That the permission chain really is the node: each user's writes arrive there, signed by that user's key.</summary>
[Collection(SubstrateCollection.Name)]
public sealed class SubstrateChainTests(SubstrateSystemFixture fixture) : EndToEndTest(fixture)
{
    [SimulatedNodeFact]
    public async Task Registration_and_a_grant_are_extrinsics_on_the_node_signed_by_each_users_own_key()
    {
        var node = fixture.Simulator!;
        var before = node.SubmittedExtrinsics.Count;

        var (patient, doctor) = await GrantedPairAsync("sub-patient", "sub-doctor");

        var metadata = await ContractsNodeMetadata.LoadAsync();
        var decoder = new Clients.Substrate.Extrinsics.ExtrinsicPayload(metadata);
        var submitted = node.SubmittedExtrinsics.Skip(before).Select(hex => decoder.DecodeExtrinsic(Hex.Decode(hex))).ToList();
        Assert.All(submitted, e => Assert.Equal(("Contracts", "call"), (e.Call.Pallet, e.Call.Name)));
        var signers = submitted.Select(e => Hex.Encode(e.Signer!)).ToList();
        Assert.Contains(patient.AccountId, signers);   // add_user and grant_permission, by the patient's key
        Assert.Contains(doctor.AccountId, signers);    // add_user by the doctor's key
        Assert.True(signers.Count(s => s == patient.AccountId) >= 2, $"expected the patient's add_user and grant, saw {signers.Count(s => s == patient.AccountId)}");
    }
}

/// <summary>A test that reads the simulated node's own record of submissions: skipped, saying so, when a real node is used.</summary>
public sealed class SimulatedNodeFactAttribute : FactAttribute
{
    public SimulatedNodeFactAttribute()
    {
        if (System.Environment.GetEnvironmentVariable(SubstrateSystemFixture.NodeVariable) is { Length: > 0 })
        {
            Skip = $"{SubstrateSystemFixture.NodeVariable} points at a real node; this test inspects the simulated node's submissions.";
        }
    }
}

[Collection(SubstrateCollection.Name)]
public sealed class NegativesOnSubstrate(SubstrateSystemFixture fixture) : NegativeTests(fixture);

using System.Numerics;
using HybridEhr.Clients.Substrate.Chain;
using HybridEhr.Clients.Substrate.Contracts;
using HybridEhr.Clients.Substrate.Keys;

namespace HybridEhr.Clients.Substrate.Tests;

public sealed class ContractConnectionOptionsTests
{
    private static readonly string MetadataPath = Path.Combine(PolkadotJs.RepositoryRoot, "chaincode", "ink", "access_control.metadata.json");

    [Fact]
    public void Complete_settings_are_read_with_defaults_for_the_optional_ones()
    {
        var alice = Ed25519KeyPair.FromUri("//Alice").PublicKey;
        var options = ContractConnectionOptions.Read(Settings(new()
        {
            ["NodeEndpoint"] = "ws://127.0.0.1:9944",
            ["ContractAddress"] = Ss58.Encode(alice),
            ["MetadataPath"] = MetadataPath,
        }), "P:");

        Assert.Equal(new Uri("ws://127.0.0.1:9944"), options.NodeEndpoint);
        Assert.Equal(alice, options.ContractAddress);
        Assert.Equal((0.2, BigInteger.Zero, BigInteger.Zero, WatchUntil.InBlock, 64UL), (options.GasMargin, options.Tip, options.Endowment, options.WaitFor, options.MortalPeriod));
    }

    [Fact]
    public void Every_bad_setting_is_named_in_one_error()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ContractConnectionOptions.Read(Settings(new()
        {
            ["NodeEndpoint"] = "http://127.0.0.1:9944",
            ["ContractAddress"] = "0x1234",
            ["MetadataPath"] = "/nowhere/access_control.json",
            ["GasMargin"] = "lots",
            ["Tip"] = "-1",
            ["Endowment"] = "1e18",
            ["WaitFor"] = "Eventually",
            ["MortalPeriod"] = "2",
        }), "PermissionChain:Substrate:"));

        foreach (var key in new[] { "NodeEndpoint", "ContractAddress", "MetadataPath", "GasMargin", "Tip", "Endowment", "WaitFor", "MortalPeriod" })
        {
            Assert.Contains("PermissionChain:Substrate:" + key, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_hex_address_and_finalized_waiting_are_accepted()
    {
        var options = ContractConnectionOptions.Read(Settings(new()
        {
            ["NodeEndpoint"] = "wss://node.example:443",
            ["ContractAddress"] = "0x" + new string('a', 64),
            ["MetadataPath"] = MetadataPath,
            ["WaitFor"] = "finalized",
            ["Endowment"] = "1000000000000",
        }), "");

        Assert.Equal(WatchUntil.Finalized, options.WaitFor);
        Assert.Equal(Enumerable.Repeat((byte)0xaa, 32).ToArray(), options.ContractAddress);
        Assert.Equal(new BigInteger(1_000_000_000_000), options.Endowment);
    }

    private static Func<string, string?> Settings(Dictionary<string, string> values) => key => values.GetValueOrDefault(key);
}

namespace HybridEhr.Clients.Substrate.Tests;

[Collection(PolkadotJsCollection.Name)]
public sealed class MetadataCrossCheckTests(PolkadotJs polkadot)
{
    [Theory]
    [MemberData(nameof(StaticMetadata.All), MemberType = typeof(StaticMetadata))]
    public void Pallet_and_call_indices_match_polkadot_js(string name)
    {
        var ours = StaticMetadata.Decode(polkadot, name);
        var theirs = polkadot.Run("metadataIndices", new { name });

        Assert.Equal(theirs.GetProperty("version").GetInt32(), ours.Version);
        var expected = theirs.GetProperty("pallets").EnumerateArray()
            .Select(p => $"{p.GetProperty("name").GetString()}={p.GetProperty("index").GetInt32()}:"
                + string.Join(",", p.GetProperty("calls").EnumerateArray().Select(c => $"{c.GetProperty("name").GetString()}={c.GetProperty("index").GetInt32()}")))
            .ToList();
        var actual = ours.Pallets
            .Select(p => $"{p.Name}={p.Index}:" + string.Join(",", CallsOf(ours, p).Select(c => $"{c.Name}={c.Index}")))
            .ToList();
        Assert.Equal(expected, actual);

        var expectedExtensions = theirs.GetProperty("signedExtensions").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(expectedExtensions, ours.Extrinsic.SignedExtensions.Select(e => e.Identifier).ToList());
    }

    [Theory]
    [MemberData(nameof(StaticMetadata.All), MemberType = typeof(StaticMetadata))]
    public void Calls_are_found_by_name(string name)
    {
        var metadata = StaticMetadata.Decode(polkadot, name);
        var (palletIndex, callIndex, call) = metadata.FindCall("Balances", "transfer_keep_alive");
        Assert.Equal(metadata.Pallet("Balances").Index, palletIndex);
        Assert.Equal("transfer_keep_alive", call.Name);
        Assert.Equal(call.Index, callIndex);
        Assert.Throws<KeyNotFoundException>(() => metadata.FindCall("Balances", "no_such_call"));
        Assert.Throws<KeyNotFoundException>(() => metadata.Pallet("NoSuchPallet"));
    }

    private static IEnumerable<Metadata.TypeVariant> CallsOf(Metadata.RuntimeMetadata metadata, Metadata.PalletMetadata pallet) =>
        pallet.CallsType is { } type && metadata.Types[type].Definition is Metadata.VariantType variants ? variants.Variants : [];
}

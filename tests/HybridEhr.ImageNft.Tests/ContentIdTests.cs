using System.Text;
using HybridEhr.ImageNft.Content;
using Xunit;

namespace HybridEhr.ImageNft.Tests;

/// <summary>
/// CIDs as `ipfs add --cid-version=1` computes them. The multi-chunk vectors (CID and cumulative size) were produced
/// with ipfs-unixfs-importer 12.0.1 (js-ipfs 0.66's importer: cidVersion 1, raw leaves, 262144-byte chunks, balanced
/// layout of 174 links) from tests/servers/node_modules, on content byte[i] = i % 251.
/// </summary>
public sealed class ContentIdTests
{
    [Fact]
    public void Hello_world_is_the_known_raw_cid()
    {
        var cid = UnixFsCidBuilder.Compute(Encoding.ASCII.GetBytes("hello world"));

        Assert.Equal("bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e", cid.ToString());
        Assert.Equal(11, cid.CumulativeSize);
    }

    [Theory]
    [InlineData(0, "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", 0)]
    [InlineData(1, "bafkreidogqfzz75tpkmjzjke425xqcrmpcib2p5tg44hnbirumdbpl5adu", 1)]
    [InlineData(262_144, "bafkreibruh455iawsviqslif5c7uurdcfdemh22mtnytyzvnzn75kpejxy", 262_144)]
    [InlineData(262_145, "bafybeiexg2oqkfnj56l7fcmawswqbijt5shq4b5rg6a546uwpkqqzwjioi", 262_249)]
    [InlineData(525_288, "bafybeiedlmc6ukelkdnmjelnxg565gp6jy3ued6onc4pv7p5qiohksmq3e", 525_444)]
    [InlineData(262_144 * 174, "bafybeihpe5snhzneq7xs53nivmsopto5lrogo3wjynauqylqeym5a3irbm", 45_621_766)]
    [InlineData(262_144 * 174 + 1, "bafybeib4y7ghw2rq7bracc4xwtxrbzo7cfvagdpte2tmrkgwl6dyard3cm", 45_621_926)]
    [InlineData(262_144 * 175 + 12_345, "bafybeig26zqwrr5xvjpk3zhfgqpmhgitt3islants4x7w42yers4wromba", 45_896_472)]
    public void Matches_the_js_ipfs_importer(int length, string expectedCid, long expectedCumulativeSize)
    {
        var cid = UnixFsCidBuilder.Compute(Pattern(length));

        Assert.Equal(expectedCid, cid.ToString());
        Assert.Equal(expectedCumulativeSize, cid.CumulativeSize);
    }

    [Fact]
    public void Appending_in_pieces_of_any_size_gives_the_same_cid()
    {
        var content = Pattern(600_000);
        var builder = new UnixFsCidBuilder();
        var offset = 0;
        var piece = 1;
        while (offset < content.Length)
        {
            var take = Math.Min(piece, content.Length - offset);
            builder.Append(content.AsSpan(offset, take));
            offset += take;
            piece = (piece * 7 % 100_003) + 1;
        }

        Assert.Equal(UnixFsCidBuilder.Compute(content), builder.Complete());
    }

    [Fact]
    public void Raw_cid_bytes_are_version_codec_and_sha256_multihash()
    {
        var cid = UnixFsCidBuilder.Compute("hello world"u8).Cid;

        Assert.Equal(36, cid.Bytes.Length);
        Assert.Equal(new byte[] { 0x01, 0x55, 0x12, 0x20 }, cid.Bytes[..4]);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData("hello world"u8), cid.Bytes[4..]);
    }

    [Theory]
    [InlineData("bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e", true)]
    [InlineData("bafybeiexg2oqkfnj56l7fcmawswqbijt5shq4b5rg6a546uwpkqqzwjioi", true)]
    [InlineData("QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG", false)]
    [InlineData("bafy/../../etc", false)]
    [InlineData("BAFKREIFZJUT3TE2NHYEKKLSS27NH3K72YSCO7Y32KOAO5EEI66WOF36N5E", false)]
    public void Recognises_the_text_form_it_writes(string text, bool wellFormed) =>
        Assert.Equal(wellFormed, ContentId.IsWellFormedText(text));

    internal static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)(i % 251);
        }

        return bytes;
    }
}

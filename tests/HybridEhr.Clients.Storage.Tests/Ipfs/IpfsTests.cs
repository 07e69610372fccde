using System.Diagnostics;
using System.Security.Cryptography;
using HybridEhr.Clients.Ipfs;
using HybridEhr.Clients.Storage.Tests.CouchDb;
using Xunit;

namespace HybridEhr.Clients.Storage.Tests.Ipfs;

[Collection(IpfsCollection.Name)]
public sealed class IpfsTests(IpfsFixture fixture)
{
    private static readonly TimeSpan ShortTimeout = TimeSpan.FromSeconds(2);

    private IpfsClient Client => fixture.Client;

    [Fact]
    public async Task Version_and_identity_describe_the_node()
    {
        var version = await Client.GetVersionAsync();
        var identity = await Client.GetIdentityAsync();

        Assert.False(string.IsNullOrEmpty(version.Version));
        Assert.False(string.IsNullOrEmpty(identity.Id));
        Assert.Contains("ipfs", identity.AgentVersion ?? "", StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Added_content_gets_a_base32_v1_cid_that_depends_only_on_the_bytes()
    {
        var bytes = RandomNumberGenerator.GetBytes(1000);

        var hashOnly = await Client.AddAsync(new MemoryStream(bytes), "a.bin", new IpfsAddOptions { OnlyHash = true, Pin = false });
        var added = await Client.AddAsync(new MemoryStream(bytes), "b.bin");

        Assert.StartsWith("baf", added.Cid, StringComparison.Ordinal);
        Assert.Equal(added.Cid, added.Cid.ToLowerInvariant());
        Assert.Equal(hashOnly.Cid, added.Cid);
        Assert.Equal("b.bin", added.Name);
        Assert.True(added.Size >= bytes.Length);
    }

    [Fact]
    public async Task A_five_megabyte_image_round_trips_through_add_and_cat_streams()
    {
        var image = RandomNumberGenerator.GetBytes(5 * 1024 * 1024);

        // A stream of unknown length: the upload must be streamed, not buffered to learn its size.
        var added = await Client.AddAsync(new AttachmentTests.ForwardOnlyStream(image), "xray.png");
        await using var content = await Client.CatAsync(added.Cid, TimeSpan.FromSeconds(30));
        var hash = await SHA256.HashDataAsync(content);

        Assert.Equal(SHA256.HashData(image), hash);
        var stat = await Client.BlockStatAsync(added.Cid);
        Assert.Equal(added.Cid, stat.Cid);
        Assert.True(stat.Size > 0);
    }

    [Fact]
    public async Task Pins_are_added_listed_and_removed()
    {
        var added = await Client.AddAsync(new MemoryStream(RandomNumberGenerator.GetBytes(2000)), "p.bin", new IpfsAddOptions { Pin = false });
        await Assert.ThrowsAsync<IpfsNotPinnedException>(() => Client.PinListAsync(added.Cid));

        Assert.Equal([added.Cid], await Client.PinAddAsync(added.Cid, ShortTimeout));
        Assert.Equal([new PinnedContent(added.Cid, "recursive")], await Client.PinListAsync(added.Cid));
        Assert.Contains(new PinnedContent(added.Cid, "recursive"), await Client.PinListAsync(type: PinType.Recursive));

        Assert.Equal([added.Cid], await Client.PinRemoveAsync(added.Cid));
        Assert.DoesNotContain(await Client.PinListAsync(type: PinType.Recursive), pin => pin.Cid == added.Cid);
        await Assert.ThrowsAsync<IpfsNotPinnedException>(() => Client.PinRemoveAsync(added.Cid));
    }

    [Fact]
    public async Task Adding_pins_by_default()
    {
        var added = await Client.AddAsync(new MemoryStream(RandomNumberGenerator.GetBytes(100)));

        Assert.Equal("recursive", (await Client.PinListAsync(added.Cid)).Single().Type);
    }

    [Fact]
    public async Task Cat_of_content_that_exists_nowhere_times_out_quickly_with_a_typed_error()
    {
        var missing = await MissingCidAsync();
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAsync<IpfsTimeoutException>(async () =>
        {
            await using var content = await Client.CatAsync(missing, ShortTimeout);
            await content.CopyToAsync(Stream.Null);
        });

        Assert.InRange(clock.Elapsed, ShortTimeout * 0.5, ShortTimeout + TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Block_stat_and_pin_add_of_missing_content_time_out_too()
    {
        var missing = await MissingCidAsync();

        await Assert.ThrowsAsync<IpfsTimeoutException>(() => Client.BlockStatAsync(missing, ShortTimeout));
        await Assert.ThrowsAsync<IpfsTimeoutException>(() => Client.PinAddAsync(missing, ShortTimeout));
    }

    [Fact]
    public async Task A_malformed_cid_is_an_invalid_argument()
    {
        await Assert.ThrowsAsync<IpfsInvalidArgumentException>(() => Client.CatAsync("not-a-cid", ShortTimeout));
        await Assert.ThrowsAsync<IpfsInvalidArgumentException>(() => Client.BlockStatAsync("not-a-cid", ShortTimeout));
    }

    [Fact]
    public async Task A_node_that_is_not_running_fails_fast_with_an_ipfs_error()
    {
        var port = Servers.ServerProcess.FreeLoopbackPort();
        using var nowhere = new IpfsClient(new IpfsOptions { ApiUri = new Uri($"http://127.0.0.1:{port}"), MaxRetryAttempts = 0 });

        await Assert.ThrowsAsync<IpfsException>(() => nowhere.GetVersionAsync());
        await Assert.ThrowsAsync<IpfsException>(() => nowhere.AddAsync(new MemoryStream([1, 2, 3])));
    }

    /// <summary>A valid CID of random bytes that were hashed but never stored.</summary>
    private async Task<string> MissingCidAsync() =>
        (await Client.AddAsync(new MemoryStream(RandomNumberGenerator.GetBytes(64)), options: new IpfsAddOptions { OnlyHash = true, Pin = false })).Cid;
}

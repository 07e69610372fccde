using System.Buffers.Binary;
using System.Text.Json.Nodes;
using HybridEhr.Devnet.Ledger.Storage;

namespace HybridEhr.Devnet.Ledger.Tests;

public sealed class DurabilityTests
{
    private const int RecordHeaderSize = 16;

    [Fact]
    public async Task Reopening_the_data_directory_restores_state_height_history_and_nonces()
    {
        using var directory = new TempDirectory();
        var key = DevnetKey.Generate();
        ChainInfo before;
        string lastTxId;
        await using (var ledger = await TestChain.OpenAsync(directory.Path))
        {
            await ledger.SubmitAsync(TestChain.Put(key, 1, "a", "1"));
            await ledger.SubmitAsync(TestChain.Put(key, 2, "a", "2"));
            lastTxId = (await ledger.SubmitAsync(TestChain.Put(key, 3, "b", "3"))).TxId;
            before = ledger.ChainInfo;
        }

        await using (var reopened = await TestChain.OpenAsync(directory.Path))
        {
            Assert.Equal(before, reopened.ChainInfo);
            Assert.Equal(4, reopened.Recovery.BlocksReplayed);
            Assert.Equal("2", TestChain.Get(reopened, "a"));
            Assert.Equal("3", TestChain.Get(reopened, "b"));
            Assert.Equal(2, reopened.GetHistory(KvContract.ContractName, "a").Count);
            Assert.NotNull(reopened.GetTransaction(lastTxId));
            Assert.Equal(ValidationCode.NonceReplayed, (await reopened.SubmitAsync(TestChain.Put(key, 3, "b", "again"))).Code);
            var next = await reopened.SubmitAsync(TestChain.Put(key, 4, "b", "4"));
            Assert.Equal(before.Height + 1, next.BlockHeight);
        }
    }

    [Fact]
    public async Task A_torn_last_record_is_cut_off_and_everything_acknowledged_before_survives()
    {
        using var directory = new TempDirectory();
        var key = DevnetKey.Generate();
        await using (var ledger = await TestChain.OpenAsync(directory.Path))
        {
            await ledger.SubmitAsync(TestChain.Put(key, 1, "a", "1"));
            await ledger.SubmitAsync(TestChain.Put(key, 2, "b", "2"));
            await ledger.SubmitAsync(TestChain.Put(key, 3, "c", "3"));
        }
        var lastRecord = RecordOffsets(directory.LogPath)[^1];
        var fileLength = new FileInfo(directory.LogPath).Length;
        // A crash in the middle of appending block 3.
        using (var file = new FileStream(directory.LogPath, FileMode.Open))
        {
            file.SetLength(lastRecord + ((fileLength - lastRecord) / 2));
        }

        var verify = DevnetLedger.Verify(directory.Path);
        Assert.True(verify.IsValid, verify.Message);
        Assert.True(verify.TornTailBytes > 0);

        await using (var recovered = await TestChain.OpenAsync(directory.Path))
        {
            Assert.Equal(2, recovered.ChainInfo.Height);
            Assert.True(recovered.Recovery.TruncatedBytes > 0);
            Assert.Equal("1", TestChain.Get(recovered, "a"));
            Assert.Equal("2", TestChain.Get(recovered, "b"));
            Assert.Null(TestChain.Get(recovered, "c"));
            Assert.Equal(lastRecord, new FileInfo(directory.LogPath).Length);
            // The chain continues where it was cut.
            Assert.Equal(3, (await recovered.SubmitAsync(TestChain.Put(key, 3, "c", "again"))).BlockHeight);
        }
        Assert.True(DevnetLedger.Verify(directory.Path).IsValid);
    }

    [Fact]
    public async Task A_header_cut_short_is_also_a_torn_tail()
    {
        using var directory = new TempDirectory();
        await using (var ledger = await TestChain.OpenAsync(directory.Path))
        {
            await ledger.SubmitAsync(TestChain.Put(DevnetKey.Generate(), 1, "a", "1"));
        }
        var lastRecord = RecordOffsets(directory.LogPath)[^1];
        using (var file = new FileStream(directory.LogPath, FileMode.Open))
        {
            file.SetLength(lastRecord + 5);
        }

        await using var recovered = await TestChain.OpenAsync(directory.Path);

        Assert.Equal(0, recovered.ChainInfo.Height);
    }

    [Fact]
    public async Task A_flipped_byte_in_a_middle_block_is_named_by_Verify_and_stops_the_ledger_from_opening()
    {
        using var directory = new TempDirectory();
        await CreateChainWithBlocks(directory.Path, 4);
        var offsets = RecordOffsets(directory.LogPath);
        var bytes = await File.ReadAllBytesAsync(directory.LogPath);
        bytes[offsets[2] + RecordHeaderSize + 60] ^= 0x01;
        await File.WriteAllBytesAsync(directory.LogPath, bytes);

        var verify = DevnetLedger.Verify(directory.Path);
        var refused = await Assert.ThrowsAsync<LedgerCorruptedException>(() => TestChain.OpenAsync(directory.Path));

        Assert.False(verify.IsValid);
        Assert.Equal(2, verify.FirstBadHeight);
        Assert.Contains("block 2", refused.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(2, refused.BlockHeight);
    }

    [Fact]
    public async Task A_rewritten_block_with_valid_checksums_breaks_the_hash_chain_and_is_named()
    {
        using var directory = new TempDirectory();
        await CreateChainWithBlocks(directory.Path, 4);
        var offsets = RecordOffsets(directory.LogPath);
        var bytes = await File.ReadAllBytesAsync(directory.LogPath);
        // Change block 1's timestamp (header offset 8 + 8 + 3×32) and fix up its record checksums, as a careful forger would.
        var payloadStart = (int)offsets[1] + RecordHeaderSize;
        var payloadLength = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan((int)offsets[1] + 4));
        bytes[payloadStart + 8 + 8 + 96 + 7] ^= 0x01;
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan((int)offsets[1] + 8), Crc32.Compute(bytes.AsSpan(payloadStart, payloadLength)));
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan((int)offsets[1] + 12), Crc32.Compute(bytes.AsSpan((int)offsets[1], 12)));
        await File.WriteAllBytesAsync(directory.LogPath, bytes);

        var verify = DevnetLedger.Verify(directory.Path);

        Assert.False(verify.IsValid);
        Assert.Equal(1, verify.FirstBadHeight);
        await Assert.ThrowsAsync<LedgerCorruptedException>(() => TestChain.OpenAsync(directory.Path));
    }

    [Fact]
    public async Task Verify_reports_an_intact_chain()
    {
        using var directory = new TempDirectory();
        await CreateChainWithBlocks(directory.Path, 3);

        var verify = DevnetLedger.Verify(directory.Path);

        Assert.True(verify.IsValid, verify.Message);
        Assert.Equal(4, verify.BlockCount);
        Assert.Null(verify.FirstBadHeight);
    }

    [Fact]
    public async Task A_data_directory_serves_one_ledger_and_one_genesis()
    {
        using var directory = new TempDirectory();
        await using (var ledger = await TestChain.OpenAsync(directory.Path))
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => TestChain.OpenAsync(directory.Path));
        }
        await Assert.ThrowsAsync<InvalidOperationException>(() => TestChain.OpenAsync(directory.Path, genesis: new GenesisConfig("another-chain", [])));
        // Without a genesis configuration, an existing chain opens with its own.
        await using var reopened = await DevnetLedger.OpenAsync(new LedgerOptions { DataDirectory = directory.Path }, [new KvContract()]);
        Assert.Equal(TestChain.ChainId, reopened.ChainId);
    }

    private static async Task CreateChainWithBlocks(string dataDirectory, int blocks)
    {
        var key = DevnetKey.Generate();
        await using var ledger = await TestChain.OpenAsync(dataDirectory);
        for (var n = 1; n <= blocks; n++)
        {
            await ledger.SubmitAsync(TestChain.Tx(key, n, "emit", new JsonObject { ["key"] = $"k{n}", ["name"] = "E" }));
        }
    }

    /// <summary>The file offset of every record, walked from the record headers.</summary>
    private static List<long> RecordOffsets(string logPath)
    {
        var bytes = File.ReadAllBytes(logPath);
        var offsets = new List<long>();
        long offset = 0;
        while (offset + RecordHeaderSize <= bytes.Length)
        {
            offsets.Add(offset);
            offset += RecordHeaderSize + BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan((int)offset + 4));
        }
        return offsets;
    }
}

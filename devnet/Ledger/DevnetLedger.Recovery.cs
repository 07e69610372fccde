using System.Diagnostics;
using HybridEhr.Devnet.Ledger.Blocks;
using HybridEhr.Devnet.Ledger.State;
using HybridEhr.Devnet.Ledger.Storage;
using HybridEhr.Files;

namespace HybridEhr.Devnet.Ledger;

/// <summary>
/// Opening and recovery: scan the block log, cut off a torn last record (a crash mid-append; never an acknowledged
/// block, since acknowledgement waits for fsync), refuse damage before the tail, check the hash chain and rebuild state
/// by replaying every block's write set through the same <see cref="ApplyBlock"/> the committer uses.
/// </summary>
public sealed partial class DevnetLedger
{
    private static DevnetLedger Open(LedgerOptions options, List<IContract> contracts)
    {
        if (options.BlockTime < TimeSpan.Zero || options.MaxTransactionsPerBlock < 1)
        {
            throw new ArgumentException("Block time must be >= 0 and at least one transaction must fit in a block.", nameof(options));
        }
        options.Genesis?.Validate();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var contract in contracts)
        {
            if (string.IsNullOrEmpty(contract.Name) || contract.Name.StartsWith('_') || !names.Add(contract.Name))
            {
                throw new ArgumentException($"Contract name '{contract.Name}' is empty, reserved (leading '_') or repeated.", nameof(contracts));
            }
        }
        Directory.CreateDirectory(options.DataDirectory);
        var lockFile = AcquireDirectoryLock(options.DataDirectory);
        try
        {
            var started = Stopwatch.GetTimestamp();
            var logPath = Path.Combine(options.DataDirectory, BlockLog.FileName);
            var state = new WorldState();
            var indexes = new LedgerIndexes();
            GenesisConfig? storedGenesis = null;
            var scan = BlockLog.Scan(logPath, (index, payload) =>
            {
                var block = DecodeChained(index, payload, indexes.LastHash);
                storedGenesis ??= ParseGenesis(block);
                ApplyBlock(block, state, indexes);
            });
            if (scan.Damage is { LaterRecordsIntact: true } damage)
            {
                throw new LedgerCorruptedException(damage.RecordIndex,
                    $"Block log {logPath} is corrupt at block {damage.RecordIndex} (offset {damage.Offset}: {damage.Reason}) and intact " +
                    "blocks follow it; refusing to start. Run 'devnet verify' and restore the directory from a backup.");
            }

            var genesis = ResolveGenesis(options, storedGenesis);
            var log = BlockLog.Open(logPath, scan);
            try
            {
                if (scan.Records.Count == 0)
                {
                    var genesisBlock = BlockCodec.Seal(0, new byte[BlockCodec.HashSize], options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds(), [], genesis.ToJson());
                    log.Append(BlockCodec.Encode(genesisBlock));
                    DirectorySync.Flush(options.DataDirectory);
                    ApplyBlock(genesisBlock, state, indexes);
                }
                var recovery = new RecoveryReport(
                    scan.Records.Count, indexes.TransactionCount, scan.FileLength - scan.ValidLength, scan.Damage?.Reason,
                    Stopwatch.GetElapsedTime(started));
                return new DevnetLedger(options, genesis, contracts, state, indexes, log, lockFile, recovery);
            }
            catch
            {
                log.Dispose();
                throw;
            }
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    private static GenesisConfig ResolveGenesis(LedgerOptions options, GenesisConfig? stored)
    {
        if (stored is null)
        {
            return options.Genesis ?? throw new InvalidOperationException(
                $"{options.DataDirectory} holds no chain yet; a genesis configuration is needed to create one.");
        }
        if (options.Genesis is not null && options.Genesis.ToJson() != stored.ToJson())
        {
            throw new InvalidOperationException(
                $"{options.DataDirectory} holds chain '{stored.ChainId}' with another genesis configuration than the one given.");
        }
        return stored;
    }

    /// <summary>Decodes a block and checks that it extends the chain: its height and its link to the previous hash.</summary>
    private static Block DecodeChained(long expectedHeight, ReadOnlySpan<byte> payload, byte[]? previousHash)
    {
        Block block;
        try
        {
            block = BlockCodec.Decode(payload);
        }
        catch (FormatException ex)
        {
            throw new LedgerCorruptedException(expectedHeight, $"Block {expectedHeight} is corrupt: {ex.Message}");
        }
        if (block.Height != expectedHeight)
        {
            throw new LedgerCorruptedException(expectedHeight, $"Block {expectedHeight} claims height {block.Height}.");
        }
        var expectedPrevious = previousHash ?? new byte[BlockCodec.HashSize];
        if (!block.PreviousHash.AsSpan().SequenceEqual(expectedPrevious))
        {
            throw new LedgerCorruptedException(expectedHeight, $"Block {expectedHeight} does not link to block {expectedHeight - 1}: hash chain broken.");
        }
        if ((expectedHeight == 0) != (block.GenesisJson is not null))
        {
            throw new LedgerCorruptedException(expectedHeight, $"Block {expectedHeight}: only block 0 carries the genesis configuration.");
        }
        return block;
    }

    private static GenesisConfig ParseGenesis(Block genesisBlock)
    {
        try
        {
            var genesis = GenesisConfig.FromJson(genesisBlock.GenesisJson!);
            genesis.Validate();
            return genesis;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            throw new LedgerCorruptedException(0, $"Block 0 holds an unusable genesis configuration: {ex.Message}");
        }
    }

    /// <summary>Applies a committed block to state and indexes: the same code at commit and at replay.</summary>
    private static void ApplyBlock(Block block, WorldState state, LedgerIndexes indexes)
    {
        for (var i = 0; i < block.Transactions.Count; i++)
        {
            var record = block.Transactions[i];
            var transaction = record.Transaction;
            // Every transaction a block records used its nonce, valid or not: a retry must be signed anew.
            indexes.Nonces[transaction.SignerAccountId] = transaction.Nonce;
            indexes.TransactionsById[record.TxId] = (block.Height, i);
            if (record.Code == ValidationCode.Valid)
            {
                var version = new StateVersion(block.Height, i);
                foreach (var write in record.Writes)
                {
                    state.Apply(write, version, record.TxId, block.Timestamp);
                }
            }
        }
        indexes.TransactionCount += block.Transactions.Count;
        indexes.LastHash = block.Hash;
        indexes.LastTimestamp = block.Timestamp;
        indexes.GenesisHash ??= block.Hash;
        Volatile.Write(ref indexes.Height, block.Height);
    }

    private static FileStream AcquireDirectoryLock(string dataDirectory)
    {
        try
        {
            return new FileStream(Path.Combine(dataDirectory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException($"{dataDirectory} is in use by another ledger instance.", ex);
        }
    }
}

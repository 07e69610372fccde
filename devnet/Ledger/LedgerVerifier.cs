using HybridEhr.Devnet.Ledger.Blocks;
using HybridEhr.Devnet.Ledger.Storage;

namespace HybridEhr.Devnet.Ledger;

public sealed partial class DevnetLedger
{
    /// <summary>
    /// Audits a data directory without changing it (safe while a ledger runs on it): every record's checksums, every
    /// block's hash, Merkle root and results hash, the hash chain, and (optionally) every transaction's signature and
    /// chain id. Returns the first bad block, or OK. A torn last record is reported but is not an error.
    /// </summary>
    public static VerifyResult Verify(string dataDirectory, bool checkSignatures = true)
    {
        var logPath = Path.Combine(dataDirectory, BlockLog.FileName);
        if (!File.Exists(logPath))
        {
            return new VerifyResult(false, 0, 0, $"No block log at {logPath}.", 0);
        }
        byte[]? previousHash = null;
        string? chainId = null;
        LogScanResult scan;
        try
        {
            scan = BlockLog.Scan(logPath, (index, payload) =>
            {
                var block = DecodeChained(index, payload, previousHash);
                chainId ??= ParseGenesis(block).ChainId;
                if (checkSignatures)
                {
                    CheckTransactions(block, chainId);
                }
                previousHash = block.Hash;
            });
        }
        catch (LedgerCorruptedException ex)
        {
            return new VerifyResult(false, ex.BlockHeight, ex.BlockHeight, ex.Message, 0);
        }
        var blockCount = scan.Records.Count;
        if (scan.Damage is { LaterRecordsIntact: true } damage)
        {
            return new VerifyResult(false, blockCount, damage.RecordIndex,
                $"Block {damage.RecordIndex} is corrupt (offset {damage.Offset}: {damage.Reason}); intact blocks follow it.", 0);
        }
        if (blockCount == 0)
        {
            return new VerifyResult(false, 0, 0, "The block log holds no genesis block.", scan.FileLength);
        }
        var tornBytes = scan.FileLength - scan.ValidLength;
        var message = tornBytes == 0
            ? $"OK: {blockCount} blocks (height {blockCount - 1}), hash chain intact."
            : $"OK: {blockCount} blocks (height {blockCount - 1}), hash chain intact; a torn last record of {tornBytes} bytes " +
              $"({scan.Damage!.Reason}) will be dropped at the next start.";
        return new VerifyResult(true, blockCount, null, message, tornBytes);
    }

    private static void CheckTransactions(Block block, string chainId)
    {
        // Signature checks dominate an audit; they are independent, so use every core.
        var bad = block.Transactions
            .AsParallel()
            .AsOrdered()
            .FirstOrDefault(r => r.Transaction.ChainId != chainId || !r.Transaction.HasValidSignature());
        if (bad is not null)
        {
            throw new LedgerCorruptedException(block.Height, $"Block {block.Height}: transaction {bad.TxId} has a bad signature or chain id.");
        }
    }
}

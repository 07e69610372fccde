using System.Security.Cryptography;
using HybridEhr.Devnet.Ledger.Storage;

namespace HybridEhr.Devnet.Ledger.Blocks;

/// <summary>
/// The canonical encoding of a block, as stored in one block-log record:
/// <code>
/// header:  "HEHRBK01" | height i64 | previousHash 32 | transactionsRoot 32 | resultsHash 32 | timestamp i64 | txCount i32
/// hash:    32 bytes = SHA-256(header)
/// txs:     txCount × bytes(signed transaction)
/// results: optional string(genesis JSON) | txCount × (code u8 | opt errorCode | opt message | opt resultJson |
///          i32 events × (contract, name, payloadJson) | i32 writes × (contract, key, u8 isDelete, [bytes value]))
/// </code>
/// resultsHash = SHA-256(results section). Decoding recomputes every hash and refuses any mismatch.
/// </summary>
internal static class BlockCodec
{
    public const int HashSize = 32;
    private const int MaxStringBytes = 16 << 20;
    private const int MaxValueBytes = 64 << 20;
    private static readonly byte[] HeaderTag = "HEHRBK01"u8.ToArray();

    public static byte[] EncodeHeader(long height, byte[] previousHash, byte[] transactionsRoot, byte[] resultsHash, long timestamp, int txCount)
    {
        var writer = new CanonicalWriter(128);
        writer.WriteRaw(HeaderTag);
        writer.WriteInt64(height);
        writer.WriteRaw(previousHash);
        writer.WriteRaw(transactionsRoot);
        writer.WriteRaw(resultsHash);
        writer.WriteInt64(timestamp);
        writer.WriteInt32(txCount);
        return writer.ToArray();
    }

    /// <summary>Builds a block from its parts, computing its roots and hash.</summary>
    public static Block Seal(long height, byte[] previousHash, long timestamp, IReadOnlyList<TransactionRecord> transactions, string? genesisJson) =>
        SealAndEncode(height, previousHash, timestamp, transactions, genesisJson).Block;

    /// <summary>Builds a block and its stored encoding in one pass (the committer's path).</summary>
    public static (Block Block, byte[] Encoded) SealAndEncode(
        long height, byte[] previousHash, long timestamp, IReadOnlyList<TransactionRecord> transactions, string? genesisJson)
    {
        var transactionsRoot = MerkleTree.Root(transactions.Select(t => t.Transaction.TxIdBytes));
        var results = EncodeResults(transactions, genesisJson);
        var resultsHash = SHA256.HashData(results);
        var header = EncodeHeader(height, previousHash, transactionsRoot, resultsHash, timestamp, transactions.Count);
        var hash = SHA256.HashData(header);
        var block = new Block(height, previousHash, transactionsRoot, resultsHash, timestamp, hash, transactions, genesisJson);
        return (block, Assemble(header, hash, transactions, results));
    }

    public static byte[] Encode(Block block) => Assemble(
        EncodeHeader(block.Height, block.PreviousHash, block.TransactionsRoot, block.ResultsHash, block.Timestamp, block.Transactions.Count),
        block.Hash, block.Transactions, EncodeResults(block.Transactions, block.GenesisJson));

    private static byte[] Assemble(byte[] header, byte[] hash, IReadOnlyList<TransactionRecord> transactions, byte[] results)
    {
        var writer = new CanonicalWriter(header.Length + hash.Length + results.Length + transactions.Sum(t => 4 + t.Transaction.SignedBytes.Length));
        writer.WriteRaw(header);
        writer.WriteRaw(hash);
        foreach (var transaction in transactions)
        {
            writer.WriteBytes(transaction.Transaction.SignedBytes);
        }
        writer.WriteRaw(results);
        return writer.ToArray();
    }

    /// <exception cref="FormatException">The bytes do not decode, or a stored hash or root does not match the content.</exception>
    public static Block Decode(ReadOnlySpan<byte> bytes)
    {
        var reader = new CanonicalReader(bytes);
        if (!reader.ReadRaw(HeaderTag.Length).SequenceEqual(HeaderTag))
        {
            throw new FormatException("Not a block (bad tag).");
        }
        var height = reader.ReadInt64();
        var previousHash = reader.ReadRaw(HashSize).ToArray();
        var transactionsRoot = reader.ReadRaw(HashSize).ToArray();
        var resultsHash = reader.ReadRaw(HashSize).ToArray();
        var timestamp = reader.ReadInt64();
        var txCount = reader.ReadInt32();
        if (txCount < 0 || txCount > 10_000_000)
        {
            throw new FormatException($"Bad transaction count {txCount}.");
        }
        var headerLength = reader.Position;
        var storedHash = reader.ReadRaw(HashSize).ToArray();
        var computedHash = SHA256.HashData(bytes[..headerLength]);
        if (!computedHash.AsSpan().SequenceEqual(storedHash))
        {
            throw new FormatException("Block hash does not match its header.");
        }

        var transactions = new SignedTransaction[txCount];
        for (var i = 0; i < txCount; i++)
        {
            transactions[i] = SignedTransaction.Decode(reader.ReadBytes(SignedTransaction.MaxArgsBytes + 4096));
        }
        if (!MerkleTree.Root(transactions.Select(t => t.TxIdBytes)).AsSpan().SequenceEqual(transactionsRoot))
        {
            throw new FormatException("Transactions root does not match the block's transactions.");
        }

        var resultsStart = reader.Position;
        if (!SHA256.HashData(bytes[resultsStart..]).AsSpan().SequenceEqual(resultsHash))
        {
            throw new FormatException("Results hash does not match the block's results.");
        }
        var genesisJson = reader.ReadOptionalString(MaxStringBytes);
        var records = new TransactionRecord[txCount];
        for (var i = 0; i < txCount; i++)
        {
            records[i] = ReadResult(ref reader, transactions[i]);
        }
        reader.ExpectEnd();
        return new Block(height, previousHash, transactionsRoot, resultsHash, timestamp, storedHash, records, genesisJson);
    }

    private static byte[] EncodeResults(IReadOnlyList<TransactionRecord> transactions, string? genesisJson)
    {
        var writer = new CanonicalWriter(64 + (transactions.Count * 200));
        writer.WriteOptionalString(genesisJson);
        foreach (var record in transactions)
        {
            writer.WriteByte((byte)record.Code);
            writer.WriteOptionalString(record.ErrorCode);
            writer.WriteOptionalString(record.Message);
            writer.WriteOptionalString(record.ResultJson);
            writer.WriteInt32(record.Events.Count);
            foreach (var contractEvent in record.Events)
            {
                writer.WriteString(contractEvent.Contract);
                writer.WriteString(contractEvent.Name);
                writer.WriteString(contractEvent.PayloadJson);
            }
            writer.WriteInt32(record.Writes.Count);
            foreach (var write in record.Writes)
            {
                writer.WriteString(write.Contract);
                writer.WriteString(write.Key);
                writer.WriteByte(write.IsDelete ? (byte)1 : (byte)0);
                if (write.Value is not null)
                {
                    writer.WriteBytes(write.Value);
                }
            }
        }
        return writer.ToArray();
    }

    private static TransactionRecord ReadResult(ref CanonicalReader reader, SignedTransaction transaction)
    {
        var codeByte = reader.ReadByte();
        var code = (ValidationCode)codeByte;
        if (!Enum.IsDefined(code) || !code.IsRecordedInBlock())
        {
            throw new FormatException($"Validation code {codeByte} cannot appear in a block.");
        }
        var errorCode = reader.ReadOptionalString(MaxStringBytes);
        var message = reader.ReadOptionalString(MaxStringBytes);
        var resultJson = reader.ReadOptionalString(MaxStringBytes);
        var eventCount = ReadCount(ref reader);
        var events = new ContractEvent[eventCount];
        for (var i = 0; i < eventCount; i++)
        {
            events[i] = new ContractEvent(reader.ReadString(MaxStringBytes), reader.ReadString(MaxStringBytes), reader.ReadString(MaxStringBytes));
        }
        var writeCount = ReadCount(ref reader);
        var writes = new StateWrite[writeCount];
        for (var i = 0; i < writeCount; i++)
        {
            var contract = reader.ReadString(MaxStringBytes);
            var key = reader.ReadString(MaxStringBytes);
            var isDelete = reader.ReadByte() switch
            {
                0 => false,
                1 => true,
                var other => throw new FormatException($"Bad delete flag {other}."),
            };
            writes[i] = new StateWrite(contract, key, isDelete ? null : reader.ReadBytes(MaxValueBytes).ToArray());
        }
        return new TransactionRecord(transaction, code, errorCode, message, resultJson, events, writes);
    }

    private static int ReadCount(ref CanonicalReader reader)
    {
        var count = reader.ReadInt32();
        if (count < 0 || count > reader.Remaining)
        {
            throw new FormatException($"Bad item count {count}.");
        }
        return count;
    }
}

/// <summary>
/// Merkle root over leaf hashes, with domain-separated leaves (0x00) and nodes (0x01); an odd node is carried up
/// unchanged rather than duplicated, so two different lists never share a root. Empty list: 32 zero bytes.
/// </summary>
internal static class MerkleTree
{
    public static byte[] Root(IEnumerable<byte[]> leaves)
    {
        var level = leaves.Select(leaf => HashWithPrefix(0x00, leaf, [])).ToList();
        if (level.Count == 0)
        {
            return new byte[BlockCodec.HashSize];
        }
        while (level.Count > 1)
        {
            var next = new List<byte[]>((level.Count + 1) / 2);
            for (var i = 0; i < level.Count; i += 2)
            {
                next.Add(i + 1 < level.Count ? HashWithPrefix(0x01, level[i], level[i + 1]) : level[i]);
            }
            level = next;
        }
        return level[0];
    }

    private static byte[] HashWithPrefix(byte prefix, byte[] left, byte[] right)
    {
        var buffer = new byte[1 + left.Length + right.Length];
        buffer[0] = prefix;
        left.CopyTo(buffer, 1);
        right.CopyTo(buffer, 1 + left.Length);
        return SHA256.HashData(buffer);
    }
}

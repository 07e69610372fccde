using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using HybridEhr.Devnet.Ledger.Blocks;
using HybridEhr.Devnet.Ledger.Execution;
using HybridEhr.Devnet.Ledger.Membership;
using HybridEhr.Devnet.Ledger.State;

namespace HybridEhr.Devnet.Ledger;

/// <summary>
/// The committer: the only code that changes state. It cuts blocks from the queue and, per block:
/// <list type="number">
/// <item>simulates each transaction against the committed state as of the start of the block (Fabric's endorsement:
/// the contract runs on a snapshot, its reads are recorded with the version seen and its writes are buffered);</item>
/// <item>validates in block order (Fabric's commit-time MVCC check): a transaction whose read keys, or scanned
/// prefixes, were written by an earlier valid transaction of the same block saw stale data and is recorded as
/// MVCC_CONFLICT without effect; otherwise its buffered writes become the next versions;</item>
/// <item>appends the block to the log and fsyncs it (one fsync per block: group commit);</item>
/// <item>only then applies it to memory, answers the submitters and feeds the watchers.</item>
/// </list>
/// Simulating at block cut rather than at submit keeps the contract's clock the block time and makes the outcome a pure
/// function of the log; it is still simulate-then-validate, so two transactions that read-modify-write one key in the
/// same block behave exactly as on Fabric: the first wins, the second must be resubmitted.
/// </summary>
public sealed partial class DevnetLedger
{
    private long _blocksCommitted;
    private long _transactionsCommitted;
    private long _fsyncTicks;
    private long _maxFsyncTicks;

    public LedgerStatistics Statistics
    {
        get
        {
            var blocks = Interlocked.Read(ref _blocksCommitted);
            var fsyncMs = Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _fsyncTicks)).TotalMilliseconds;
            return new LedgerStatistics(
                blocks, Interlocked.Read(ref _transactionsCommitted), blocks, blocks == 0 ? 0 : fsyncMs / blocks,
                Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _maxFsyncTicks)).TotalMilliseconds);
        }
    }

    private async Task RunCommitterAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<PendingTransaction>(_options.MaxTransactionsPerBlock);
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                batch.Clear();
                await CollectBatchAsync(reader, batch).ConfigureAwait(false);
                CommitBatch(batch);
            }
        }
#pragma warning disable CA1031 // A storage failure must reach every waiting submitter, whatever its type.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _fault = ex;
            _queue.Writer.TryComplete();
            foreach (var pending in batch)
            {
                pending.Completion.TrySetException(ex);
            }
            while (reader.TryRead(out var queued))
            {
                queued.Completion.TrySetException(ex);
            }
        }
    }

    /// <summary>Block cutting: everything queued now (block time 0), or whatever arrives within the block time, up to the size cap.</summary>
    private async Task CollectBatchAsync(ChannelReader<PendingTransaction> reader, List<PendingTransaction> batch)
    {
        var max = _options.MaxTransactionsPerBlock;
        while (batch.Count < max && reader.TryRead(out var pending))
        {
            batch.Add(pending);
        }
        if (_options.BlockTime <= TimeSpan.Zero || batch.Count >= max)
        {
            return;
        }
        // The block time runs from the first transaction's arrival, not from when the committer got to it, so a busy
        // committer does not stretch the block period to block time + commit time.
        var remaining = _options.BlockTime - _options.TimeProvider.GetElapsedTime(batch[0].ArrivedAt);
        if (remaining <= TimeSpan.Zero)
        {
            return;
        }
        using var blockTimer = new CancellationTokenSource(remaining, _options.TimeProvider);
        try
        {
            while (batch.Count < max && await reader.WaitToReadAsync(blockTimer.Token).ConfigureAwait(false))
            {
                while (batch.Count < max && reader.TryRead(out var pending))
                {
                    batch.Add(pending);
                }
            }
        }
        catch (OperationCanceledException) when (blockTimer.IsCancellationRequested)
        {
            // Block time is up: cut with what we have.
        }
    }

    private void CommitBatch(List<PendingTransaction> batch)
    {
        var height = _indexes.Height + 1;
        var timestamp = Math.Max(_options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds(), _indexes.LastTimestamp);
        var writtenInBlock = new Dictionary<(string Contract, string Key), StateVersion>();
        var noncesInBlock = new Dictionary<string, long>(StringComparer.Ordinal);
        var records = new List<TransactionRecord>(batch.Count);
        var included = new List<PendingTransaction>(batch.Count);
        foreach (var pending in batch)
        {
            var transaction = pending.Transaction;
            var account = transaction.SignerAccountId;
            if (!noncesInBlock.TryGetValue(account, out var lastNonce) && !_indexes.Nonces.TryGetValue(account, out lastNonce))
            {
                lastNonce = -1;
            }
            if (transaction.Nonce <= lastNonce)
            {
                // Never enters the block, so a transaction id appears in the chain at most once.
                pending.Completion.TrySetResult(Refused(transaction.TxId, ValidationCode.NonceReplayed,
                    $"Nonce {transaction.Nonce} is not above {lastNonce}, the last one {account} used."));
                continue;
            }
            noncesInBlock[account] = transaction.Nonce;
            var txIndex = records.Count;
            var record = Execute(pending, timestamp, writtenInBlock);
            if (record.Code == ValidationCode.Valid)
            {
                foreach (var write in record.Writes)
                {
                    writtenInBlock[(write.Contract, write.Key)] = new StateVersion(height, txIndex);
                }
            }
            records.Add(record);
            included.Add(pending);
        }
        if (records.Count == 0)
        {
            return;
        }

        var (block, encoded) = BlockCodec.SealAndEncode(height, _indexes.LastHash!, timestamp, records, null);
        var fsyncStarted = Stopwatch.GetTimestamp();
        _log.Append(encoded);
        var fsyncTicks = Stopwatch.GetTimestamp() - fsyncStarted;
        Interlocked.Add(ref _fsyncTicks, fsyncTicks);
        if (fsyncTicks > Interlocked.Read(ref _maxFsyncTicks))
        {
            Interlocked.Exchange(ref _maxFsyncTicks, fsyncTicks);
        }

        _lock.EnterWriteLock();
        try
        {
            ApplyBlock(block, _state, _indexes);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
        Interlocked.Increment(ref _blocksCommitted);
        Interlocked.Add(ref _transactionsCommitted, records.Count);

        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            included[i].Completion.TrySetResult(new TransactionOutcome(
                record.TxId, record.Code, height, i, record.ErrorCode, record.Message, record.ResultJson, record.Events));
        }
        lock (_watchersLock)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryWrite(block);
            }
        }
    }

    /// <summary>Simulates one transaction on the block's starting state, then validates its reads against the block so far.</summary>
    private TransactionRecord Execute(PendingTransaction pending, long timestamp, Dictionary<(string Contract, string Key), StateVersion> writtenInBlock)
    {
        var transaction = pending.Transaction;
        var readWriteSet = new ReadWriteSet();
        var caller = _membership.Resolve(transaction.SignerAccountId, key =>
        {
            var member = _state.Get(MembershipContract.ContractName, key);
            readWriteSet.RecordRead(MembershipContract.ContractName, key, member);
            return member;
        }, out var isKnown);
        if (_genesis.RequireEnrollment && !isKnown)
        {
            return Invalid(transaction, ValidationCode.UnknownIdentity, null,
                $"{caller.AccountId} is neither an admin nor an enrolled member of this chain.");
        }

        var context = new TransactionContext(_state, pending.Contract.Name, caller, timestamp, transaction.TxId, readWriteSet);
        JsonNode? result;
        try
        {
            result = pending.Contract.Invoke(context, transaction.Function, pending.Args);
        }
        catch (ContractException ex)
        {
            var code = ex.Code == "UNKNOWN_FUNCTION" ? ValidationCode.UnknownFunction : ValidationCode.ContractError;
            return Invalid(transaction, code, ex.Code, ex.Message);
        }
#pragma warning disable CA1031 // A faulty contract must fail its transaction, not the ledger.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return Invalid(transaction, ValidationCode.ContractError, "CONTRACT_FAULT", $"{ex.GetType().Name}: {ex.Message}");
        }

        foreach (var ((contract, key), seenVersion) in readWriteSet.Reads)
        {
            var currentVersion = writtenInBlock.TryGetValue((contract, key), out var inBlock) ? inBlock : _state.Get(contract, key)?.Version;
            if (currentVersion != seenVersion)
            {
                return Invalid(transaction, ValidationCode.MvccConflict, null,
                    $"Key '{key}' of '{contract}' was changed by an earlier transaction of this block after this one read it.");
            }
        }
        foreach (var (contract, prefix) in readWriteSet.RangeReads)
        {
            foreach (var written in writtenInBlock.Keys)
            {
                if (written.Contract == contract && written.Key.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return Invalid(transaction, ValidationCode.MvccConflict, null,
                        $"Key '{written.Key}' under scanned prefix '{prefix}' of '{contract}' was written earlier in this block (phantom read).");
                }
            }
        }
        return new TransactionRecord(transaction, ValidationCode.Valid, null, null, result?.ToJsonString(), [.. context.Events], readWriteSet.WritesInOrder());
    }

    private static TransactionRecord Invalid(SignedTransaction transaction, ValidationCode code, string? errorCode, string message) =>
        new(transaction, code, errorCode, message, null, [], []);
}

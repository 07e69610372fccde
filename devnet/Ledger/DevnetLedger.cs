using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using HybridEhr.Devnet.Ledger.Blocks;
using HybridEhr.Devnet.Ledger.Execution;
using HybridEhr.Devnet.Ledger.Membership;
using HybridEhr.Devnet.Ledger.State;
using HybridEhr.Devnet.Ledger.Storage;

namespace HybridEhr.Devnet.Ledger;

/// <summary>
/// A single-node development ledger: signed transactions, blocks hash-chained in an append-only log on disk, MVCC world
/// state, key history and events. Thread-safe: any number of callers submit and query; one committer task orders,
/// executes and persists blocks.
/// </summary>
public sealed partial class DevnetLedger : IAsyncDisposable
{
    private const string LockFileName = "LOCK";

    private readonly LedgerOptions _options;
    private readonly GenesisConfig _genesis;
    private readonly Dictionary<string, IContract> _contracts;
    private readonly MembershipContract _membership;
    private readonly WorldState _state;
    private readonly LedgerIndexes _indexes;
    private readonly BlockLog _log;
    private readonly FileStream _lockFile;
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly Channel<PendingTransaction> _queue;
    private readonly Lock _watchersLock = new();
    private readonly List<Channel<Block>> _watchers = [];
    private readonly Task _committer;
    private volatile Exception? _fault;
    private int _disposed;

    private DevnetLedger(
        LedgerOptions options, GenesisConfig genesis, IEnumerable<IContract> contracts, WorldState state, LedgerIndexes indexes,
        BlockLog log, FileStream lockFile, RecoveryReport recovery)
    {
        _options = options;
        _genesis = genesis;
        _membership = new MembershipContract(genesis);
        _contracts = new Dictionary<string, IContract>(StringComparer.Ordinal) { [_membership.Name] = _membership };
        foreach (var contract in contracts)
        {
            _contracts.Add(contract.Name, contract);
        }
        _state = state;
        _indexes = indexes;
        _log = log;
        _lockFile = lockFile;
        Recovery = recovery;
        _queue = Channel.CreateUnbounded<PendingTransaction>(new UnboundedChannelOptions { SingleReader = true });
        _committer = Task.Run(RunCommitterAsync);
    }

    public string ChainId => _genesis.ChainId;

    public GenesisConfig Genesis => _genesis;

    /// <summary>What recovery found when this instance opened its data directory.</summary>
    public RecoveryReport Recovery { get; }

    /// <summary>
    /// Opens (or creates) the ledger in <see cref="LedgerOptions.DataDirectory"/>: reads the block log, cuts off a torn
    /// last record, checks the whole hash chain and rebuilds state by replaying every block's write set.
    /// </summary>
    /// <exception cref="LedgerCorruptedException">A block before the tail is damaged or the hash chain is broken.</exception>
    public static Task<DevnetLedger> OpenAsync(LedgerOptions options, IEnumerable<IContract> contracts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(contracts);
        var contractList = contracts.ToList();
        return Task.Run(() => Open(options, contractList), cancellationToken);
    }

    /// <summary>Submits a signed transaction given as canonical bytes (see <see cref="SignedTransaction"/>).</summary>
    public Task<TransactionOutcome> SubmitAsync(ReadOnlyMemory<byte> signedBytes, CancellationToken cancellationToken = default)
    {
        if (!SignedTransaction.TryDecode(signedBytes.Span, out var transaction, out var error))
        {
            var txId = Convert.ToHexStringLower(SHA256.HashData(signedBytes.Span));
            return Task.FromResult(Refused(txId, ValidationCode.Malformed, error));
        }
        return SubmitAsync(transaction!, cancellationToken);
    }

    /// <summary>
    /// Checks a transaction, queues it, and completes once the block that records it is durably on disk (or at once if
    /// it is refused before ordering). Cancelling stops the wait only: a queued transaction may still commit.
    /// </summary>
    public Task<TransactionOutcome> SubmitAsync(SignedTransaction transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ThrowIfUnusable();
        var refusal = Precheck(transaction, out var contract, out var args);
        if (refusal is not null)
        {
            return Task.FromResult(refusal);
        }
        var pending = new PendingTransaction(transaction, contract!, args!, _options.TimeProvider.GetTimestamp());
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(DevnetLedger));
        }
        return cancellationToken.CanBeCanceled ? pending.Completion.Task.WaitAsync(cancellationToken) : pending.Completion.Task;
    }

    /// <summary>
    /// The stateless checks, plus a first nonce and identity check against committed state, done on the submitter's
    /// thread so they run in parallel; the committer re-checks nonce and identity in block order.
    /// </summary>
    private TransactionOutcome? Precheck(SignedTransaction transaction, out IContract? contract, out JsonObject? args)
    {
        contract = null;
        args = null;
        var txId = transaction.TxId;
        if (transaction.ChainId != _genesis.ChainId)
        {
            return Refused(txId, ValidationCode.WrongChain, $"Signed for chain '{transaction.ChainId}', this is '{_genesis.ChainId}'.");
        }
        if (!transaction.HasValidSignature())
        {
            return Refused(txId, ValidationCode.BadSignature, $"The signature does not verify under {transaction.SignerAccountId}.");
        }
        if (!_contracts.TryGetValue(transaction.Contract, out contract))
        {
            return Refused(txId, ValidationCode.UnknownContract, $"No contract '{transaction.Contract}' on this chain.");
        }
        try
        {
            args = JsonNode.Parse(transaction.ArgsJson) as JsonObject;
        }
        catch (JsonException)
        {
            args = null;
        }
        if (args is null)
        {
            return Refused(txId, ValidationCode.Malformed, "Arguments must be a JSON object.");
        }
        _lock.EnterReadLock();
        try
        {
            var account = transaction.SignerAccountId;
            var lastNonce = _indexes.Nonces.TryGetValue(account, out var nonce) ? nonce : -1;
            if (transaction.Nonce <= lastNonce)
            {
                return Refused(txId, ValidationCode.NonceReplayed, $"Nonce {transaction.Nonce} is not above {lastNonce}, the last one {account} used.");
            }
            // Like a Fabric gateway refusing an unknown creator: strangers cannot fill a permissioned chain's blocks.
            // The committer checks again, against the state the transaction actually commits on.
            if (_genesis.RequireEnrollment)
            {
                _membership.Resolve(account, key => _state.Get(MembershipContract.ContractName, key), out var isKnown);
                if (!isKnown)
                {
                    return Refused(txId, ValidationCode.UnknownIdentity, $"{account} is neither an admin nor an enrolled member of this chain.");
                }
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }
        return null;
    }

    private static TransactionOutcome Refused(string txId, ValidationCode code, string message) =>
        new(txId, code, -1, -1, null, message, null, []);

    /// <summary>
    /// Runs a function against committed state, outside any block; whatever it writes or emits is dropped. Any function
    /// may be evaluated this way (a dry run), though normally only <see cref="IContract.IsQuery"/> ones are.
    /// The contract sees the current time (max of wall clock and last block time), as a Fabric evaluate would.
    /// </summary>
    public QueryOutcome Query(string contract, string function, JsonObject args, CallerIdentity caller)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(caller);
        ThrowIfUnusable();
        if (!_contracts.TryGetValue(contract, out var target))
        {
            return new QueryOutcome(ValidationCode.UnknownContract, null, null, $"No contract '{contract}' on this chain.");
        }
        _lock.EnterReadLock();
        try
        {
            var now = Math.Max(_options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds(), _indexes.LastTimestamp);
            var context = new TransactionContext(_state, target.Name, caller, now, "", new ReadWriteSet());
            var result = target.Invoke(context, function, args);
            return new QueryOutcome(ValidationCode.Valid, result?.ToJsonString(), null, null);
        }
        catch (ContractException ex)
        {
            var code = ex.Code == "UNKNOWN_FUNCTION" ? ValidationCode.UnknownFunction : ValidationCode.ContractError;
            return new QueryOutcome(code, null, ex.Code, ex.Message);
        }
#pragma warning disable CA1031 // A faulty contract fails the query, not the ledger.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return new QueryOutcome(ValidationCode.ContractError, null, "CONTRACT_FAULT", $"{ex.GetType().Name}: {ex.Message}");
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Queries as <paramref name="accountId"/>, with the identity the ledger knows for it.</summary>
    public QueryOutcome Query(string contract, string function, JsonObject args, string accountId) =>
        Query(contract, function, args, ResolveIdentity(accountId));

    /// <summary>
    /// The identity the ledger gives a signer: organisation admin (role "org_admin") or network admin (role
    /// "network_admin") from genesis, enrolled member (organisation + attributes), or plain account.
    /// </summary>
    public CallerIdentity ResolveIdentity(string accountId)
    {
        _lock.EnterReadLock();
        try
        {
            return _membership.Resolve(accountId, key => _state.Get(MembershipContract.ContractName, key), out _);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// The smallest nonce the account can sign its next transaction with (one above the last it used in a block).
    /// Transactions still queued are not counted: a signer with several in flight keeps its own count.
    /// </summary>
    public long NextNonce(string accountId)
    {
        _lock.EnterReadLock();
        try
        {
            return _indexes.Nonces.TryGetValue(accountId, out var last) ? last + 1 : 0;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>The committed value of a key in a contract's namespace, or null.</summary>
    public byte[]? GetState(string contract, string key)
    {
        _lock.EnterReadLock();
        try
        {
            return _state.Get(contract, key)?.Value.ToArray();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Every committed modification of a key, oldest first.</summary>
    public IReadOnlyList<KeyModification> GetHistory(string contract, string key)
    {
        _lock.EnterReadLock();
        try
        {
            return [.. _state.GetHistory(contract, key)];
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public ChainInfo ChainInfo
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return new ChainInfo(
                    _genesis.ChainId, _indexes.Height, Convert.ToHexStringLower(_indexes.LastHash!), _indexes.LastTimestamp,
                    Convert.ToHexStringLower(_indexes.GenesisHash!), _indexes.TransactionCount);
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    /// <summary>The block at <paramref name="height"/>, read back from the log; null above the chain's height.</summary>
    public Block? GetBlock(long height)
    {
        if (height < 0 || height >= _log.Count)
        {
            return null;
        }
        return BlockCodec.Decode(_log.ReadPayload(height));
    }

    public CommittedTransaction? GetTransaction(string txId)
    {
        (long Height, int Index) location;
        _lock.EnterReadLock();
        try
        {
            if (!_indexes.TransactionsById.TryGetValue(txId, out location))
            {
                return null;
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }
        var block = GetBlock(location.Height)!;
        return new CommittedTransaction(block.Height, location.Index, block.Timestamp, block.HashHex, block.Transactions[location.Index]);
    }

    /// <summary>
    /// Events of valid transactions from block <paramref name="fromBlock"/> on: first replayed from the log, then live
    /// as blocks commit (each event after its block is durable). Ends when the ledger is disposed.
    /// </summary>
    public async IAsyncEnumerable<LedgerEvent> WatchEventsAsync(long fromBlock = 1, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var live = Channel.CreateUnbounded<Block>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        long registeredAt;
        lock (_watchersLock)
        {
            ThrowIfUnusable();
            _watchers.Add(live);
            registeredAt = Volatile.Read(ref _indexes.Height);
        }
        try
        {
            // Blocks up to registeredAt come from the log; later ones arrive on the live channel. A block committed
            // while registering may come both ways: lastDelivered drops the repeat.
            var lastDelivered = Math.Max(fromBlock, 1) - 1;
            for (var height = lastDelivered + 1; height <= registeredAt; height++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                foreach (var ledgerEvent in EventsOf(GetBlock(height)!))
                {
                    yield return ledgerEvent;
                }
                lastDelivered = height;
            }
            await foreach (var block in live.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (block.Height <= lastDelivered)
                {
                    continue;
                }
                foreach (var ledgerEvent in EventsOf(block))
                {
                    yield return ledgerEvent;
                }
                lastDelivered = block.Height;
            }
        }
        finally
        {
            lock (_watchersLock)
            {
                _watchers.Remove(live);
            }
        }
    }

    private static IEnumerable<LedgerEvent> EventsOf(Block block)
    {
        for (var i = 0; i < block.Transactions.Count; i++)
        {
            var record = block.Transactions[i];
            foreach (var contractEvent in record.Events)
            {
                yield return new LedgerEvent(block.Height, i, record.TxId, block.Timestamp, contractEvent.Contract, contractEvent.Name, contractEvent.PayloadJson);
            }
        }
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_fault is { } fault)
        {
            throw new InvalidOperationException("The ledger stopped after a storage failure; reopen it to recover.", fault);
        }
    }

    /// <summary>Stops accepting transactions, commits what is queued, and closes the log.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _queue.Writer.TryComplete();
        await _committer.ConfigureAwait(false);
        lock (_watchersLock)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryComplete();
            }
        }
        _log.Dispose();
        _lockFile.Dispose();
        _lock.Dispose();
    }

    /// <summary>Chain-level indexes rebuilt from the log: nonces, transaction locations, head of the chain.</summary>
    private sealed class LedgerIndexes
    {
        public long Height = -1;
        public Dictionary<string, long> Nonces { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, (long Height, int Index)> TransactionsById { get; } = new(StringComparer.Ordinal);
        public byte[]? LastHash { get; set; }
        public byte[]? GenesisHash { get; set; }
        public long LastTimestamp { get; set; }
        public long TransactionCount { get; set; }
    }

    private sealed class PendingTransaction(SignedTransaction transaction, IContract contract, JsonObject args, long arrivedAt)
    {
        /// <summary>When it was queued, in <see cref="TimeProvider.GetTimestamp"/> units.</summary>
        public long ArrivedAt { get; } = arrivedAt;

        public SignedTransaction Transaction { get; } = transaction;
        public IContract Contract { get; } = contract;
        public JsonObject Args { get; } = args;
        public TaskCompletionSource<TransactionOutcome> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

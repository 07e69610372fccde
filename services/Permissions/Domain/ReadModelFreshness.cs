using HybridEhr.Permissions.Chain;

namespace HybridEhr.Permissions.Domain;

/// <summary>
/// How far behind the chain the read model may be. The model reflects the chain as of the later of: the block
/// time of the last event the follower handled (everything before it is applied, in order), and the last moment a
/// probe found every permission transaction up to the chain head applied. max_staleness = now minus that moment.
/// </summary>
public sealed class ReadModelFreshness(TimeProvider time)
{
    private readonly object _gate = new();
    private ChainPosition _follower = ChainPosition.None;
    private DateTimeOffset _followerBlockTime = DateTimeOffset.UnixEpoch;
    private DateTimeOffset _confirmedAt = DateTimeOffset.UnixEpoch;
    private long _confirmedHeight;
    private readonly List<(long Height, TaskCompletionSource Reached)> _waiters = [];

    public ChainPosition FollowerPosition
    {
        get
        {
            lock (_gate)
            {
                return _follower;
            }
        }
    }

    public void FollowerReached(ChainPosition position, DateTimeOffset blockTime)
    {
        lock (_gate)
        {
            if (position > _follower)
            {
                _follower = position;
                _followerBlockTime = blockTime > _followerBlockTime ? blockTime : _followerBlockTime;
            }

            ReleaseWaiters();
        }
    }

    /// <summary>
    /// Waits until the model reflects the chain through block <paramref name="height"/>, or <paramref name="within"/>
    /// has passed; true when it does. The follower or the next probe gets there, usually within a second.
    /// </summary>
    public async Task<bool> WaitUntilReflectsAsync(long height, TimeSpan within, CancellationToken cancellationToken)
    {
        TaskCompletionSource reached;
        lock (_gate)
        {
            if (ReflectsThrough >= height)
            {
                return true;
            }

            reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((height, reached));
        }

        try
        {
            await reached.Task.WaitAsync(within, time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        finally
        {
            lock (_gate)
            {
                _waiters.RemoveAll(waiter => waiter.Reached == reached);
            }
        }
    }

    private void ReleaseWaiters()
    {
        var reflects = ReflectsThrough;
        foreach (var (height, reached) in _waiters)
        {
            if (height <= reflects)
            {
                reached.TrySetResult();
            }
        }
    }

    /// <summary>Every permission transaction up to <paramref name="height"/>, the head seen at <paramref name="at"/>, is applied.</summary>
    public void Confirmed(long height, DateTimeOffset at)
    {
        lock (_gate)
        {
            _confirmedHeight = Math.Max(_confirmedHeight, height);
            _confirmedAt = at > _confirmedAt ? at : _confirmedAt;
            ReleaseWaiters();
        }
    }

    /// <summary>Upper bound on the lag; from the Unix epoch (huge) until anything was confirmed since start.</summary>
    public TimeSpan MaxStaleness
    {
        get
        {
            lock (_gate)
            {
                var reflects = _confirmedAt > _followerBlockTime ? _confirmedAt : _followerBlockTime;
                var lag = time.GetUtcNow() - reflects;
                return lag > TimeSpan.Zero ? lag : TimeSpan.Zero;
            }
        }
    }

    public long AsOfBlock
    {
        get
        {
            lock (_gate)
            {
                return ReflectsThrough;
            }
        }
    }

    /// <summary>The last block the model certainly reflects. Read with <c>_gate</c> held.</summary>
    private long ReflectsThrough => Math.Max(_confirmedHeight, _follower.Block);
}

/// <summary>
/// Confirms the read model is caught up: reads the chain head, then checks the blocks the follower has not passed
/// yet; each valid permission write in them must already be applied (this service applies its own writes at
/// once). Blocks before the follower's position are complete by construction.
/// </summary>
public sealed class FreshnessProbe(IPermissionChain chain, PermissionReadModel model, ReadModelFreshness freshness, TimeProvider time)
{
    private static readonly HashSet<string> PermissionWrites =
        new(["request_access", "approve_access", "deny_access", "grant_permission", "revoke_permission"], StringComparer.Ordinal);

    private long _scannedThrough;

    /// <summary>True when the model was confirmed caught up with the head read at the start of this probe.</summary>
    public async Task<bool> ProbeAsync(CancellationToken cancellationToken)
    {
        var startedAt = time.GetUtcNow();
        var head = await chain.GetHeightAsync(cancellationToken).ConfigureAwait(false);
        for (var height = Math.Max(_scannedThrough + 1, 1); height <= head; height++)
        {
            var follower = freshness.FollowerPosition;
            if (height < follower.Block)
            {
                _scannedThrough = height;
                continue;
            }

            var transactions = await chain.GetBlockTransactionsAsync(height, cancellationToken).ConfigureAwait(false);
            for (var index = 0; index < transactions.Count; index++)
            {
                var transaction = transactions[index];
                var passed = height == follower.Block && index <= follower.TxIndex;
                if (!passed && transaction.ValidationCode == ChainSubmission.Valid && transaction.Contract == DevnetPermissionChain.Contract
                    && PermissionWrites.Contains(transaction.Function) && !model.KnowsTransaction(transaction.TxId))
                {
                    return false;
                }
            }

            _scannedThrough = height;
        }

        freshness.Confirmed(head, startedAt);
        return true;
    }
}

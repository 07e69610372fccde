using System.Collections.Concurrent;
using System.Security.Cryptography;
using HybridEhr.Clients.Devnet;
using HybridEhr.Contracts.Events;
using HybridEhr.Devnet.Ledger;
using Grpc.Core;
using HybridEhr.Identity.Chain;
using HybridEhr.Identity.Doctors;
using HybridEhr.Identity.Events;

namespace HybridEhr.Identity.Tests;

/// <summary>A clock the test moves.</summary>
public sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}

/// <summary>A temporary data directory, deleted at the end of the test.</summary>
public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "hybridehr-identity-tests-" + Guid.NewGuid().ToString("N"));

    public TempDirectory() => Directory.CreateDirectory(Path);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>
/// The access_control rules Identity depends on, in memory: one account per key, one account per (document, role),
/// doctors only when attested. Failures can be injected to play a lost answer or a chain that is down.
/// </summary>
public sealed class FakePermissionChain : IPermissionChain
{
    private readonly ConcurrentDictionary<string, ChainUser> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string, string), string> _slots = new();
    private readonly ConcurrentDictionary<string, string> _attestations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _addUserTx = new(StringComparer.Ordinal);
    private int _txCounter;

    public bool Unavailable { get; set; }

    /// <summary>The next add_user commits but its answer is lost (the caller sees UNAVAILABLE).</summary>
    public bool LoseNextAddUserAnswer { get; set; }

    public int AddUserCalls { get; private set; }

    public bool Initialized { get; private set; }

    public IReadOnlyDictionary<string, ChainUser> Users => _users;

    public IReadOnlyDictionary<string, string> Attestations => _attestations;

    /// <summary>Another Identity (or anyone) already holds a slot on the chain.</summary>
    public void TakeSlot(string documentHash, string role) => _slots[(documentHash, role)] = "0x" + new string('e', 64);

    public Task InitializeAsync(CancellationToken cancellationToken)
    {
        ThrowIfDown();
        Initialized = true;
        return Task.CompletedTask;
    }

    public Task<string> AttestDoctorAsync(string documentIdHash, string organization, CancellationToken cancellationToken)
    {
        ThrowIfDown();
        _attestations[documentIdHash] = organization;
        return Task.FromResult(NextTx());
    }

    public async Task<AddUserResult> AddUserAsync(ITransactionSigner account, string documentIdHash, string role, CancellationToken cancellationToken)
    {
        ThrowIfDown();
        AddUserCalls++;
        // The signer must really hold the account's key: sign something and check it.
        var probe = RandomNumberGenerator.GetBytes(16);
        var signature = await account.SignAsync(probe, cancellationToken);
        Assert.True(DevnetKey.Verify(account.PublicKey, probe, signature));
        if (_users.ContainsKey(account.AccountId))
        {
            return new AddUserResult(AddUserOutcome.AlreadyRegistered, null, null);
        }

        if (role == "doctor" && !_attestations.ContainsKey(documentIdHash))
        {
            return new AddUserResult(AddUserOutcome.DoctorNotAttested, null, null);
        }

        if (_slots.ContainsKey((documentIdHash, role)))
        {
            return new AddUserResult(AddUserOutcome.RoleTaken, null, null);
        }

        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_767_225_600_000 + (_txCounter * 1000));
        var txId = NextTx();
        _users[account.AccountId] = new ChainUser(account.AccountId, role, documentIdHash, at);
        _slots[(documentIdHash, role)] = account.AccountId;
        _addUserTx[account.AccountId] = txId;
        if (LoseNextAddUserAnswer)
        {
            LoseNextAddUserAnswer = false;
            throw new RpcException(new Status(StatusCode.Unavailable, "connection reset while waiting for the block"));
        }

        return new AddUserResult(AddUserOutcome.Added, txId, at);
    }

    public Task<bool> UserExistsAsync(string accountId, CancellationToken cancellationToken)
    {
        ThrowIfDown();
        return Task.FromResult(_users.ContainsKey(accountId));
    }

    public Task<string?> UserRoleAsync(string accountId, CancellationToken cancellationToken)
    {
        ThrowIfDown();
        return Task.FromResult(_users.TryGetValue(accountId, out var user) ? user.Role : null);
    }

    public Task<ChainUser?> GetUserAsync(string accountId, CancellationToken cancellationToken)
    {
        ThrowIfDown();
        return Task.FromResult(_users.GetValueOrDefault(accountId));
    }

    public Task<string?> FindAddUserTxIdAsync(string accountId, CancellationToken cancellationToken)
    {
        ThrowIfDown();
        return Task.FromResult(_addUserTx.GetValueOrDefault(accountId));
    }

    private string NextTx() => Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(Interlocked.Increment(ref _txCounter))));

    private void ThrowIfDown()
    {
        if (Unavailable)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "The permission chain cannot be reached right now; try again."));
        }
    }
}

/// <summary>The hospitals: documents declared as doctors of an organisation, and the members enrolled from them.</summary>
public sealed class FakeDoctorRegistry : IDoctorRegistry
{
    public Dictionary<string, string> DoctorDocuments { get; } = new(StringComparer.Ordinal);

    public List<(string AccountId, string Organization, string Document)> Enrolled { get; } = [];

    public bool Unavailable { get; set; }

    public bool EnrollUnavailable { get; set; }

    public Task<DoctorVerification> VerifyAsync(string documentNumber, CancellationToken cancellationToken)
    {
        ThrowIf(Unavailable);
        return Task.FromResult(DoctorDocuments.TryGetValue(documentNumber, out var organization)
            ? new DoctorVerification(true, organization)
            : new DoctorVerification(false, null));
    }

    public Task<string> EnrollMemberAsync(string accountId, string organizationMspId, string documentNumber, CancellationToken cancellationToken)
    {
        ThrowIf(Unavailable || EnrollUnavailable);
        Enrolled.Add((accountId, organizationMspId, documentNumber));
        return Task.FromResult(new string('f', 64));
    }

    private static void ThrowIf(bool down)
    {
        if (down)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "FabricGateway cannot answer right now; try again."));
        }
    }
}

public sealed class RecordingEventSink : IIntegrationEventSink
{
    public List<IIntegrationEvent> Events { get; } = [];

    public Task EnqueueAsync<T>(T integrationEvent, CancellationToken cancellationToken)
        where T : class, IIntegrationEvent
    {
        lock (Events)
        {
            Events.Add(integrationEvent);
        }

        return Task.CompletedTask;
    }
}

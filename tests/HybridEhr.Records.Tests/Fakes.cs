using System.Collections.Concurrent;
using System.Security.Cryptography;
using HybridEhr.Contracts.Events;
using Grpc.Core;
using HybridEhr.Records.Access;
using HybridEhr.Records.Application;
using HybridEhr.Records.Chain;
using HybridEhr.Security;

namespace HybridEhr.Records.Tests;

/// <summary>A clock the test moves.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}

/// <summary>The records contract in memory, with the rules Records relies on (create once, versioned updates).</summary>
public sealed class FakeAnchors(ManualClock clock) : IRecordAnchors
{
    private readonly Dictionary<string, List<ChainHistoryEntry>> _records = new(StringComparer.Ordinal);
    private long _block;

    /// <summary>Doctors the chain refuses as not enrolled.</summary>
    public HashSet<string> UnenrolledDoctors { get; } = [];

    /// <summary>When set, the next submission commits but the caller gets this failure (a deadline after ordering).</summary>
    public StatusCode? FailAfterCommit { get; set; }

    /// <summary>When set, the next submission fails with this status before the chain has it (the outcome looks unknown).</summary>
    public StatusCode? FailBeforeCommit { get; set; }

    /// <summary>When set, the next submission is refused with this contract code and writes nothing.</summary>
    public string? RefuseNext { get; set; }

    public string? ActingDoctor { get; set; }

    public int Submissions { get; private set; }

    public Task<AnchorReceipt> CreateAsync(AnchorRequest request, string organisationMspId, CancellationToken cancellationToken)
    {
        lock (_records)
        {
            Guard();
            if (_records.ContainsKey(request.RecordId))
            {
                throw new ChainCallException(StatusCode.AlreadyExists, "RECORD_EXISTS", "RECORD_EXISTS: exists");
            }

            var now = clock.GetUtcNow();
            var record = new ChainRecord(request.RecordId, request.PatientAccountId, 1, request.PlaintextHash, request.CiphertextHash,
                request.ImageTokenIds, ActingDoctor ?? "0xdoctor", organisationMspId, now, now);
            return Task.FromResult(Append(record, []));
        }
    }

    public Task<AnchorReceipt> UpdateAsync(AnchorRequest request, long expectedVersion, string organisationMspId, CancellationToken cancellationToken)
    {
        lock (_records)
        {
            Guard();
            if (!_records.TryGetValue(request.RecordId, out var history))
            {
                throw new ChainCallException(StatusCode.NotFound, "RECORD_NOT_FOUND", "RECORD_NOT_FOUND: none");
            }

            var latest = history[^1].Record;
            if (latest.Version != expectedVersion)
            {
                throw new ChainCallException(StatusCode.Aborted, "VERSION_CONFLICT", "VERSION_CONFLICT: stale");
            }

            var record = latest with
            {
                Version = latest.Version + 1, PlaintextHash = request.PlaintextHash, CiphertextHash = request.CiphertextHash,
                ImageTokenIds = request.ImageTokenIds, Organization = organisationMspId, UpdatedAt = clock.GetUtcNow(),
            };
            return Task.FromResult(Append(record, history));
        }
    }

    public Task<ChainRecord?> GetAsync(string recordId, CancellationToken cancellationToken)
    {
        lock (_records)
        {
            return Task.FromResult(_records.TryGetValue(recordId, out var history) ? history[^1].Record : null);
        }
    }

    public Task<IReadOnlyList<ChainHistoryEntry>> GetHistoryAsync(string recordId, CancellationToken cancellationToken)
    {
        lock (_records)
        {
            return Task.FromResult<IReadOnlyList<ChainHistoryEntry>>(_records.TryGetValue(recordId, out var history) ? [.. history] : []);
        }
    }

    private void Guard()
    {
        Submissions++;
        if (ActingDoctor is not null && UnenrolledDoctors.Contains(ActingDoctor))
        {
            throw new ChainCallException(StatusCode.PermissionDenied, "NOT_ENROLLED_DOCTOR", "NOT_ENROLLED_DOCTOR: not enrolled");
        }

        if (FailBeforeCommit is { } lost)
        {
            FailBeforeCommit = null;
            throw new ChainCallException(lost, null, "the response ended prematurely");
        }

        if (RefuseNext is { } code)
        {
            RefuseNext = null;
            throw new ChainCallException(StatusCode.InvalidArgument, code, code + ": refused");
        }
    }

    private AnchorReceipt Append(ChainRecord record, List<ChainHistoryEntry> history)
    {
        var txId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        history.Add(new ChainHistoryEntry(txId, record.UpdatedAt, record));
        _records[record.RecordId] = history;
        if (FailAfterCommit is { } failure)
        {
            FailAfterCommit = null;
            throw new ChainCallException(failure, null, "the commit was not seen before the deadline");
        }

        return new AnchorReceipt(txId, (ulong)Interlocked.Increment(ref _block), record);
    }
}

/// <summary>Grants as (patient, doctor) pairs.</summary>
public sealed class FakePermissions : IPermissionChecker
{
    public ConcurrentDictionary<(string Patient, string Doctor), string> Grants { get; } = new();

    public List<bool> StrictAsked { get; } = [];

    public Task<GrantCheck> CheckAsync(string patientAccountId, string doctorAccountId, bool strict, CancellationToken cancellationToken)
    {
        lock (StrictAsked)
        {
            StrictAsked.Add(strict);
        }

        return Task.FromResult(Grants.TryGetValue((patientAccountId, doctorAccountId), out var grantId) ? new GrantCheck(true, grantId) : new GrantCheck(false, null));
    }
}

public sealed class FakeAccounts : IAccountDirectory
{
    public HashSet<string> Patients { get; } = [];

    public Task<bool> IsPatientAsync(string accountId, CancellationToken cancellationToken) => Task.FromResult(Patients.Contains(accountId));
}

public sealed class FakeJournal : IEventJournal
{
    public ConcurrentQueue<IIntegrationEvent> Events { get; } = new();

    public Task RecordAsync<T>(T integrationEvent, CancellationToken cancellationToken)
        where T : class, IIntegrationEvent
    {
        Events.Enqueue(integrationEvent);
        return Task.CompletedTask;
    }

    public List<T> OfType<T>() => [.. Events.OfType<T>()];
}

public static class Callers
{
    public static Caller Patient(string account) => Make(account, Roles.Patient, null);

    public static Caller Doctor(string account, string? organisation = "HospitalAMSP") => Make(account, Roles.Doctor, organisation);

    public static Caller Service(string name) => Make("service:" + name, Roles.Service, null);

    public static string Account(string name) => "0x" + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)));

    private static Caller Make(string account, string role, string? organisation) =>
        new(new AccessTokenClaims(account, role, organisation, DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue, "jti"), "token-of-" + account);
}

/// <summary>A temporary directory removed after the test.</summary>
public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "hybridehr-records-tests", Guid.NewGuid().ToString("N"));

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

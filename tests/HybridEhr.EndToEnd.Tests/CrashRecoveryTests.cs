using System.Collections.Concurrent;
using HybridEhr.Contracts.Common.V1;
using HybridEhr.Contracts.Identity.V1;
using HybridEhr.Contracts.Records.V1;
using Grpc.Core;
using Xunit;
using Xunit.Abstractions;

namespace HybridEhr.EndToEnd.Tests;

/// <summary>
/// Eight writers over the write paths (registrations, record creations and updates, image uploads) while every process
/// in turn is killed with SIGKILL and started again on the same data. Afterwards every acknowledged write reads back
/// exactly, and every refused one is retried with its idempotency key (or sent again, for an update) and completes,
/// or is found absent. Nothing acknowledged may be lost, nothing refused may stay stuck.
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class CrashRecoveryTests(CrashSystemFixture fixture, ITestOutputHelper output) : EndToEndTest(fixture)
{
    private const int Writers = 8;
    private const int WritesBetweenKills = 12;

    private readonly ConcurrentQueue<Func<Task>> _checks = new();
    private readonly ConcurrentQueue<(string What, Func<Task> Retry)> _refused = new();
    private int _acknowledged;

    [Fact]
    public async Task Every_acknowledged_write_survives_kill_9_of_each_process_and_every_refused_one_completes_on_retry()
    {
        var run = Guid.NewGuid().ToString("N")[..6];
        var pairs = await Task.WhenAll(Enumerable.Range(0, Writers).Select(i => GrantedPairAsync($"K{run}p{i}", $"K{run}d{i}")));
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, Writers).Select(i => Task.Run(() => WriteUntilStoppedAsync(run, i, pairs[i].Patient, pairs[i].Doctor, stop.Token))).ToArray();

        var killed = new List<string>();
        foreach (var name in SystemUnderTestNames())
        {
            await WaitForProgressAsync(WritesBetweenKills);
            await Api.System.RestartAsync(name);
            killed.Add(name);
        }

        await WaitForProgressAsync(WritesBetweenKills);
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        // Refused writes: the same request again finishes or repeats it; give each one a minute of retries.
        var refused = _refused.ToArray();
        var outcomes = await Task.WhenAll(refused.Select(async r => (r.What, Failure: await RetryAsync(r.Retry))));
        var completedOnRetry = outcomes.Count(o => o.Failure is null);
        var stillFailing = outcomes.Where(o => o.Failure is not null).Select(o => $"{o.What}\n  retried: {o.Failure}").ToList();

        var lost = new List<string>();
        foreach (var check in _checks)
        {
            try
            {
                await check();
            }
            catch (Exception ex)
            {
                lost.Add(ex.Message);
            }
        }

        output.WriteLine($"killed and restarted: {string.Join(", ", killed)}; {_checks.Count} writes acknowledged and read back "
            + $"({lost.Count} lost); {refused.Length} refused, {completedOnRetry} completed on retry, {stillFailing.Count} still failing");
        Assert.True(lost.Count == 0, $"{lost.Count} acknowledged writes were lost:\n" + string.Join("\n", lost.Take(10)));
        Assert.True(stillFailing.Count == 0, $"{stillFailing.Count} refused writes never completed:\n" + string.Join("\n", stillFailing.Take(10)));
    }

    private static IEnumerable<string> SystemUnderTestNames() => Testing.SystemUnderTest.ServiceNames.Prepend("devnet");

    private async Task WriteUntilStoppedAsync(string run, int writer, Actor patient, Actor doctor, CancellationToken stop)
    {
        string? recordId = null;
        long version = 0;
        var backoff = TimeSpan.Zero;
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            // A writer whose last write was refused waits a little longer each time (a client's backoff), so a
            // restart costs a few refusals per writer rather than thousands.
            object? outcome;
            if (backoff > TimeSpan.Zero)
            {
                await Task.Delay(backoff, CancellationToken.None);
            }

            var step = n % 4;
            var key = $"w{writer}-{n}";
            if (step == 0 || recordId is null)
            {
                var request = new CreateRecordRequest { PatientAccountId = patient.AccountId, Document = DocumentOf(writer, n), IdempotencyKey = key };
                var created = await AttemptAsync($"create {key}", () => Api.Records.Call<CreateRecordRequest, CreateRecordResponse>(request, doctor.Token),
                    result => ExpectRecord(patient, result.RecordId, 1, request.Document));
                outcome = created;
                if (created is not null)
                {
                    (recordId, version) = (created.RecordId, 1);
                }
                else
                {
                    recordId = null; // its retry happens after the run; the next step starts a new record
                }
            }
            else if (step == 1)
            {
                var update = new UpdateRecordRequest { RecordId = recordId, ExpectedVersion = version, Document = DocumentOf(writer, n), ChangeReason = key };
                var updated = await AttemptAsync($"update {key}", () => Api.Records.Call<UpdateRecordRequest, UpdateRecordResponse>(update, doctor.Token),
                    result => ExpectRecord(patient, result.RecordId, result.Version.Version, update.Document));
                outcome = updated;
                if (updated is not null)
                {
                    version = updated.Version.Version;
                }
                else
                {
                    recordId = null; // the refused update may yet land (retried later): leave this record alone
                }
            }
            else if (step == 2)
            {
                var record = recordId;
                var image = Bytes.Png(50_000, seed: (writer * 100_000) + n);
                outcome = await AttemptAsync($"upload {key}", () => UploadAsync(doctor, patient, record, image, idempotencyKey: key), uploaded =>
                    _checks.Enqueue(async () =>
                    {
                        var served = await DownloadAsync(patient, uploaded.TokenId);
                        Assert.True(served.AsSpan().SequenceEqual(image), $"image {uploaded.TokenId} ({key}) reads back different bytes");
                    }));
            }
            else
            {
                var document = Api.NewDocument();
                var register = new RegisterRequest
                {
                    IdentityDocumentNumber = document, FirstName = $"R{run}{writer}x{n}", LastName = "Tester", Email = $"r{writer}x{n}@example.org",
                    Password = "correct horse " + key, RequestedRole = Role.Patient,
                };
                outcome = await AttemptAsync($"register {key}", () => Api.Identity.Call<RegisterRequest, RegisterResponse>(register), registered =>
                    _checks.Enqueue(async () =>
                    {
                        var login = await Api.LoginAsync(register.FirstName, document, Role.Patient, register.Password);
                        Assert.True(login.AccountId == registered.AccountId, $"registration {key} logs in as another account");
                    }));
            }

            backoff = outcome is null ? TimeSpan.FromMilliseconds(Math.Clamp(backoff.TotalMilliseconds * 2, 50, 1000)) : TimeSpan.Zero;
        }
    }

    /// <summary>
    /// The write's result, with <paramref name="acknowledged"/> told of it; or null when it was refused, and then
    /// queued for a retry with the same request, whose result is checked the same way.
    /// </summary>
    private async Task<T?> AttemptAsync<T>(string what, Func<Task<T>> write, Action<T> acknowledged)
        where T : class
    {
        try
        {
            var result = await write();
            Interlocked.Increment(ref _acknowledged);
            acknowledged(result);
            return result;
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Cancelled)
        {
            _refused.Enqueue(($"{what}: {ex.StatusCode} {ex.Status.Detail}", async () => acknowledged(await write())));
            return null;
        }
    }

    private void ExpectRecord(Actor patient, string recordId, long version, EhrDocument document) =>
        _checks.Enqueue(async () =>
        {
            var read = await Api.Records.Call<GetRecordRequest, GetRecordResponse>(new GetRecordRequest { RecordId = recordId, Version = version }, patient.Token);
            Assert.True(read.Record.Document.Equals(document), $"record {recordId} version {version} reads back a different document");
        });

    /// <summary>Null when the retry completed (within a minute of retries while unavailable); else why it did not.</summary>
    private static async Task<string?> RetryAsync(Func<Task> retry)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            try
            {
                await retry();
                return null;
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
            catch (RpcException ex)
            {
                return $"{ex.StatusCode} {ex.Status.Detail}";
            }
        }
    }

    /// <summary>Waits until the writers have had <paramref name="writes"/> more writes acknowledged (at most two minutes).</summary>
    private async Task WaitForProgressAsync(int writes)
    {
        var target = Volatile.Read(ref _acknowledged) + writes;
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (Volatile.Read(ref _acknowledged) < target && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }

    private static EhrDocument DocumentOf(int writer, int n)
    {
        var document = SampleDocument();
        document.Title = $"Writer {writer} write {n}";
        return document;
    }
}

/// <summary>A system of its own: these tests kill its processes.</summary>
public sealed class CrashSystemFixture : InMemorySystemFixture;

[CollectionDefinition(Name)]
public sealed class CrashCollection : ICollectionFixture<CrashSystemFixture>
{
    public const string Name = "crash system";
}

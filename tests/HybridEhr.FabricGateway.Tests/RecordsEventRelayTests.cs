using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using HybridEhr.Clients.Devnet;
using HybridEhr.Contracts.Events;
using HybridEhr.FabricGateway.Events;
using HybridEhr.FabricGateway.Ledger;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace HybridEhr.FabricGateway.Tests;

/// <summary>The relay follows IRecordsLedger.WatchAsync (devnet or Fabric) from a durable checkpoint.</summary>
public sealed class RecordsEventRelayTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("records-relay-").FullName;

    private string CheckpointPath => Path.Combine(_directory, "records-events.checkpoint");

    [Fact]
    public async Task ChainEventsBecomeIntegrationEventsWithTheirChainFacts()
    {
        var ledger = new ScriptedLedger(
            Created(5, 0, "tx-a", "ehr-1"),
            new RecordsChainEvent(5, 1, "tx-b", 0, "ImageMinted",
                """{"token_id":"img-1","owner":"0xpatient","record_id":"ehr-1","token_uri":"ipfs://bafyimage","content_hash":"cc"}"""),
            new RecordsChainEvent(6, 0, "tx-c", 0, "DoctorEnrolled", """{"document_id_hash":"aa","organization":"HospitalAMSP"}"""),
            new RecordsChainEvent(7, 0, "tx-d", 1_700_000_000_000, "RecordUpdated", Payload("ehr-1", 2)));
        var published = new List<IIntegrationEvent>();

        await RunUntilAsync(ledger, published, () => published.Count == 3);

        var created = Assert.IsType<RecordCreated>(published[0]);
        Assert.Equal(("ehr-1", 1L, "0xpatient", "0xdoctor", "HospitalAMSP", "tx-a", 5UL),
            (created.RecordId, created.Version, created.PatientAccountId, created.AuthorAccountId, created.OrganisationMspId, created.ChainTransactionId, created.BlockNumber));
        Assert.Equal(Messaging.ChainEventIds.For("tx-a", 0), created.EventId);
        Assert.True(created.OccurredAt > DateTimeOffset.UtcNow.AddMinutes(-1), "Fabric gives no block time: the time seen stands in");
        var minted = Assert.IsType<ImageMinted>(published[1]);
        Assert.Equal(("img-1", "bafyimage", "0xpatient", "ehr-1"), (minted.TokenId, minted.Cid, minted.OwnerAccountId, minted.RecordId));
        var updated = Assert.IsType<RecordUpdated>(published[2]);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000), updated.OccurredAt);
        Assert.Equal("7 0", File.ReadAllText(CheckpointPath));
    }

    [Fact]
    public async Task ARestartResumesAfterTheCheckpointFromItsBlock()
    {
        File.WriteAllText(CheckpointPath, "5 0");
        var ledger = new ScriptedLedger(Created(5, 0, "tx-a", "ehr-1"), Created(5, 1, "tx-b", "ehr-2"), Created(6, 0, "tx-c", "ehr-3"));
        var published = new List<IIntegrationEvent>();

        await RunUntilAsync(ledger, published, () => published.Count == 2);

        Assert.Equal(5, ledger.FromBlocks[0]);
        Assert.Equal(["tx-b", "tx-c"], published.Cast<RecordCreated>().Select(e => e.ChainTransactionId));
    }

    [Fact]
    public async Task AnOldDevnetCheckpointWithAnEventIndexIsStillRead()
    {
        File.WriteAllText(CheckpointPath, "5 0 0");
        var ledger = new ScriptedLedger(Created(5, 0, "tx-a", "ehr-1"), Created(6, 0, "tx-b", "ehr-2"));
        var published = new List<IIntegrationEvent>();

        await RunUntilAsync(ledger, published, () => published.Count == 1);

        Assert.Equal("tx-b", ((RecordCreated)published[0]).ChainTransactionId);
    }

    [Fact]
    public async Task AFailedStreamIsFollowedAgainFromTheCheckpointWithoutRepeats()
    {
        var ledger = new ScriptedLedger(Created(5, 0, "tx-a", "ehr-1"), Created(6, 0, "tx-b", "ehr-2")) { FailAfter = 1 };
        var published = new List<IIntegrationEvent>();

        await RunUntilAsync(ledger, published, () => published.Count == 2);

        Assert.Equal(["tx-a", "tx-b"], published.Cast<RecordCreated>().Select(e => e.ChainTransactionId));
        Assert.Equal([0L, 5L], ledger.FromBlocks.Take(2));
    }

    [Fact]
    public async Task AFailedPublishIsRetriedAndTheCheckpointOnlyMovesAfterIt()
    {
        var ledger = new ScriptedLedger(Created(5, 0, "tx-a", "ehr-1"));
        var published = new List<IIntegrationEvent>();
        var attempts = 0;
        var relay = new RecordsEventRelay(ledger, (e, _) =>
        {
            if (++attempts == 1)
            {
                throw new InvalidOperationException("broker down");
            }

            published.Add(e);
            return Task.CompletedTask;
        }, CheckpointPath, NullLogger<RecordsEventRelay>.Instance);

        await RunUntilAsync(relay, () => published.Count == 1);

        Assert.Equal(2, attempts);
        Assert.Equal("5 0", File.ReadAllText(CheckpointPath));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private Task RunUntilAsync(IRecordsLedger ledger, List<IIntegrationEvent> published, Func<bool> done) =>
        RunUntilAsync(new RecordsEventRelay(ledger, (e, _) =>
        {
            published.Add(e);
            return Task.CompletedTask;
        }, CheckpointPath, NullLogger<RecordsEventRelay>.Instance), done);

    private static async Task RunUntilAsync(RecordsEventRelay relay, Func<bool> done)
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var running = relay.RunAsync(stop.Token);
        while (!done() && !stop.IsCancellationRequested)
        {
            await Task.Delay(20);
        }

        Assert.True(done(), "the relay did not publish what was expected in time");
        await stop.CancelAsync();
        await running;
    }

    private static RecordsChainEvent Created(long block, int index, string txId, string recordId) =>
        new(block, index, txId, 0, "RecordCreated", Payload(recordId, 1));

    private static string Payload(string recordId, long version) => new JsonObject
    {
        ["record_id"] = recordId,
        ["patient"] = "0xpatient",
        ["version"] = version,
        ["plaintext_hash"] = "aa",
        ["ciphertext_hash"] = "bb",
        ["author"] = "0xdoctor",
        ["organization"] = "HospitalAMSP",
    }.ToJsonString();

    /// <summary>A chain whose stream yields the scripted events from the requested block, then stays open (or fails once).</summary>
    private sealed class ScriptedLedger(params RecordsChainEvent[] events) : IRecordsLedger
    {
        public List<long> FromBlocks { get; } = [];

        /// <summary>Fail the first stream after this many events.</summary>
        public int? FailAfter { get; set; }

        public async IAsyncEnumerable<RecordsChainEvent> WatchAsync(long fromBlock, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            FromBlocks.Add(fromBlock);
            var sent = 0;
            foreach (var e in events.Where(e => e.BlockNumber >= fromBlock))
            {
                if (FailAfter is { } limit && sent == limit)
                {
                    FailAfter = null;
                    throw new RpcException(new Status(StatusCode.Unavailable, "peer restarting"));
                }

                sent++;
                yield return e;
            }

            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        public Task<CommittedTransaction> SubmitAsync(ITransactionSigner signer, string function, JsonObject args, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<string> EvaluateAsync(string callerAccount, string function, JsonObject args, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<CommittedTransaction> EnrollMemberAsync(
            ITransactionSigner organizationAdmin, string account, IReadOnlyDictionary<string, string> attributes, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<bool> IsReachableAsync(CancellationToken cancellationToken) => Task.FromResult(true);
    }
}

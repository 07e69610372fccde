using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using HybridEhr.Clients.Devnet;
using HybridEhr.Contracts.Events;
using HybridEhr.Devnet.Ledger;
using Grpc.Core;
using HybridEhr.Permissions.Chain;
using HybridEhr.Permissions.Domain;
using HybridEhr.Permissions.Hosting;
using HybridEhr.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Grpc.Net.Client;

namespace HybridEhr.Permissions.Tests;

/// <summary>
/// The adapter, the commands and the follower against the real access_control contract on a devnet process (loopback
/// only): real event payloads, both events of an approval, revoke effective at once, integration events published.
/// </summary>
public sealed class DevnetChainTests : IAsyncLifetime
{
    private static readonly string DevnetDll = Path.Combine(Repository.Root, "devnet", "bin", Repository.Configuration, "net10.0", "HybridEhr.Devnet.dll");
    private readonly string _data = Path.Combine(Path.GetTempPath(), "permissions-devnet-" + Guid.NewGuid().ToString("N"));
    private readonly DevnetKey _patient = DevnetKey.Generate();
    private readonly DevnetKey _doctor = DevnetKey.Generate();
    private ServiceProcess _devnet = null!;
    private GrpcChannel _channel = null!;
    private DevnetChain _chain = null!;

    public async Task InitializeAsync()
    {
        _devnet = await ServiceProcess.StartAsync("devnet", DevnetDll, ["--data", Path.Combine(_data, "devnet")]);
        _channel = GrpcChannel.ForAddress(_devnet.Address);
        _chain = new DevnetChain(new DevnetClient(_channel), DevAccounts.PermissionChain, DevAccounts.PermissionChainId);
        var registrar = new LocalSigner(DevAccounts.Registrar);
        var doctorDocument = Hash("doctor-document");
        await SetUpAsync(registrar, "init", new JsonObject { ["registrar"] = registrar.AccountId });
        await SetUpAsync(registrar, "attest_doctor", new JsonObject { ["document_id_hash"] = doctorDocument, ["organization"] = "HospitalAMSP" });
        await SetUpAsync(new LocalSigner(_doctor), "add_user", new JsonObject { ["document_id_hash"] = doctorDocument, ["role"] = "doctor" });
        await SetUpAsync(new LocalSigner(_patient), "add_user", new JsonObject { ["document_id_hash"] = Hash("patient-document") });
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _devnet.DisposeAsync();
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    [Fact]
    public async Task Request_approve_revoke_on_the_devnet_with_the_follower_catching_up()
    {
        var permissionChain = new DevnetPermissionChain(_chain);
        var model = new PermissionReadModel(new InMemoryReadModelJournal(), TimeProvider.System, TimeSpan.FromDays(7));
        var commands = new PermissionCommands(permissionChain, new KeySigners(_patient, _doctor), model, TimeProvider.System);
        var freshness = new ReadModelFreshness(TimeProvider.System);
        var queries = new PermissionQueries(model, freshness, permissionChain, TimeProvider.System);
        var patient = new Actor(_patient.AccountId, Actor.PatientRole);
        var doctor = new Actor(_doctor.AccountId, Actor.DoctorRole);

        var requested = await commands.RequestAccessAsync(doctor, patient.AccountId, "second opinion", default);
        var expiresAt = DateTimeOffset.UtcNow.AddHours(1);
        var approved = await commands.ApproveAccessAsync(patient, requested.Request.RequestId, expiresAt, default);
        Assert.Equal(expiresAt.ToUnixTimeMilliseconds(), approved.Grant.ExpiresAt!.Value.ToUnixTimeMilliseconds());
        Assert.True(queries.HasPermission(doctor, patient.AccountId, doctor.AccountId).HasPermission);
        Assert.True((await queries.HasPermissionOnChainAsync(doctor, patient.AccountId, doctor.AccountId, default)).HasPermission);
        Assert.True(await new FreshnessProbe(permissionChain, model, freshness, TimeProvider.System).ProbeAsync(default));

        await commands.RevokePermissionAsync(patient, doctor.AccountId, default);
        Assert.False(queries.HasPermission(doctor, patient.AccountId, doctor.AccountId).HasPermission);
        Assert.False((await queries.HasPermissionOnChainAsync(patient, patient.AccountId, doctor.AccountId, default)).HasPermission);

        // A second read model fed only by the follower (as after a rebuild from block 1) ends in the same state and
        // publishes every integration event once.
        var followed = new PermissionReadModel(new InMemoryReadModelJournal(), TimeProvider.System, TimeSpan.FromDays(7));
        var published = new ListPublisher();
        var follower = new ChainEventFollower(new DevnetClient(_channel), DevAccounts.PermissionChain, Path.Combine(_data, "checkpoint"));
        var worker = new ChainFollowerWorker(new DevnetPermissionEventSource(follower), followed, new ReadModelFreshness(TimeProvider.System), published, NullLogger<ChainFollowerWorker>.Instance);
        await worker.StartAsync(default);
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!published.Events.OfType<PermissionRevoked>().Any() && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
        finally
        {
            await worker.StopAsync(default);
        }

        Assert.Equal([typeof(AccessRequested), typeof(AccessApproved), typeof(PermissionGranted), typeof(PermissionRevoked)],
            published.Events.Select(e => e.GetType()));
        Assert.Equal(approved.Grant.GrantId, published.Events.OfType<PermissionGranted>().Single().GrantId);
        Assert.Equal(requested.Request.RequestId, followed.FindRequest(requested.Request.RequestId)?.RequestId);
        Assert.Null(followed.FindLiveGrant(patient.AccountId, doctor.AccountId, DateTimeOffset.UtcNow));
    }

    private async Task SetUpAsync(ITransactionSigner signer, string function, JsonObject args)
    {
        var response = await _chain.SubmitAsync(signer, DevnetPermissionChain.Contract, function, args);
        Assert.True(response.ValidationCode == "VALID", $"{function}: {response.ValidationCode} {response.ErrorCode} {response.Message}");
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private sealed class KeySigners(params DevnetKey[] keys) : ITransactionSignerFactory
    {
        public ITransactionSigner ForAccount(string accountId) => new LocalSigner(keys.Single(k => k.AccountId == accountId));
    }

    private sealed class ListPublisher : IIntegrationEventPublisher
    {
        private readonly List<IIntegrationEvent> _events = [];

        public IReadOnlyList<IIntegrationEvent> Events
        {
            get
            {
                lock (_events)
                {
                    return [.. _events];
                }
            }
        }

        public Task PublishAsync(IIntegrationEvent integrationEvent, CancellationToken cancellationToken)
        {
            lock (_events)
            {
                _events.Add(integrationEvent);
            }

            return Task.CompletedTask;
        }
    }
}

using HybridEhr.Testing;
using Xunit;

namespace HybridEhr.EndToEnd.Tests;

/// <summary>The system with in-memory event transport (each service's events stay in its process).</summary>
public class InMemorySystemFixture : IAsyncLifetime
{
    public Api Api { get; private set; } = null!;

    public virtual string Transport => "in-memory";

    /// <summary>The MSP ids of the two hospitals the scenarios use.</summary>
    public virtual (string A, string B) Hospitals => ("HospitalAMSP", "HospitalBMSP");

    /// <summary>False for an opt-in system whose tests are skipped: nothing is started then.</summary>
    protected virtual bool Enabled => true;

    public async Task InitializeAsync()
    {
        if (!Enabled)
        {
            return;
        }

        await StartDependenciesAsync();
        var environment = new Dictionary<string, string>(Environment()) { ["ImageNft__MaxImageBytes"] = SystemLimits.MaxImageBytes.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        var system = await SystemUnderTest.StartAsync(environment, BehindFaultProxies);
        Api = new Api(system, Hospitals.A, Hospitals.B);
    }

    public async Task DisposeAsync()
    {
        if (Api is not null)
        {
            await Api.System.DisposeAsync();
        }

        await StopDependenciesAsync();
    }

    protected virtual IReadOnlyDictionary<string, string> Environment() => new Dictionary<string, string>();

    /// <summary>Processes the others reach through a fault-injecting proxy (see <see cref="SystemUnderTest.FaultProxy"/>).</summary>
    protected virtual IReadOnlyCollection<string> BehindFaultProxies => [];

    /// <summary>Servers the system needs beyond its own processes, started first and stopped last.</summary>
    protected virtual Task StartDependenciesAsync() => Task.CompletedTask;

    protected virtual Task StopDependenciesAsync() => Task.CompletedTask;
}

/// <summary>
/// The same system with RabbitMQ as MassTransit's transport. test.sh starts Debian's rabbitmq-server and sets
/// HYBRIDEHR_TEST_RABBITMQ (amqp://user:pass@127.0.0.1:port/); without it this fixture fails, it never skips.
/// </summary>
public class RabbitMqSystemFixture : InMemorySystemFixture
{
    public override string Transport => "rabbitmq";

    public static string ConnectionString =>
        System.Environment.GetEnvironmentVariable("HYBRIDEHR_TEST_RABBITMQ") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "HYBRIDEHR_TEST_RABBITMQ is not set: run ./test.sh, which starts Debian's rabbitmq-server for this suite.");

    protected override IReadOnlyDictionary<string, string> Environment() =>
        new Dictionary<string, string> { ["ConnectionStrings__rabbitmq"] = ConnectionString };
}

/// <summary>
/// Every real server at once: Records on CouchDB (npm pouchdb-server), ImageNft on IPFS (npm js-ipfs), events on
/// RabbitMQ. The servers that cannot start fail the collection; nothing is skipped.
/// </summary>
public sealed class RealServersSystemFixture : RabbitMqSystemFixture
{
    private Clients.Storage.Tests.Servers.PouchDbServer? _couchDb;
    private Clients.Storage.Tests.Servers.IpfsServer? _ipfs;

    public override string Transport => "rabbitmq, CouchDB and IPFS";

    protected override async Task StartDependenciesAsync()
    {
        _couchDb = await Clients.Storage.Tests.Servers.PouchDbServer.StartAsync();
        _ipfs = await Clients.Storage.Tests.Servers.IpfsServer.StartAsync();
    }

    protected override async Task StopDependenciesAsync()
    {
        if (_ipfs is not null)
        {
            await _ipfs.DisposeAsync();
        }

        if (_couchDb is not null)
        {
            await _couchDb.DisposeAsync();
        }
    }

    protected override IReadOnlyDictionary<string, string> Environment() => new Dictionary<string, string>(base.Environment())
    {
        ["ConnectionStrings__couchdb"] = _couchDb!.Url.AbsoluteUri,
        ["ConnectionStrings__ipfs"] = _ipfs!.ApiUrl.AbsoluteUri,
    };
}

/// <summary>The system with access tokens that live one second and no clock-skew allowance, to watch tokens expire.</summary>
public sealed class ShortLivedTokensSystemFixture : InMemorySystemFixture
{
    protected override IReadOnlyDictionary<string, string> Environment() => new Dictionary<string, string>
    {
        ["Identity__AccessTokenLifetime"] = "00:00:01",
        ["Security__ClockSkew"] = "00:00:00",
    };
}

/// <summary>
/// The system with FabricGateway and the devnet behind fault-injecting proxies: a test lets a write reach them, then
/// drops the answer and cuts the connection, as a crash right after the write would.
/// </summary>
public sealed class FaultInjectionSystemFixture : InMemorySystemFixture
{
    protected override IReadOnlyCollection<string> BehindFaultProxies => ["fabricgateway", "devnet"];
}

/// <summary>
/// The system exporting its traces over OTLP to a receiver in the test (as it would to the Aspire dashboard), with a
/// short export delay so a test sees a call's spans within a second or so.
/// </summary>
public sealed class TracedSystemFixture : InMemorySystemFixture
{
    public OtlpTraceReceiver Traces { get; private set; } = null!;

    protected override async Task StartDependenciesAsync() => Traces = await OtlpTraceReceiver.StartAsync();

    protected override async Task StopDependenciesAsync()
    {
        if (Traces is not null)
        {
            await Traces.DisposeAsync();
        }
    }

    protected override IReadOnlyDictionary<string, string> Environment() => new Dictionary<string, string>
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Traces.Endpoint,
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
    };
}

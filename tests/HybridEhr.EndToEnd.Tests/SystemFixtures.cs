using HybridEhr.Testing;
using Xunit;

namespace HybridEhr.EndToEnd.Tests;

/// <summary>The system with in-memory event transport (each service's events stay in its process).</summary>
public class InMemorySystemFixture : IAsyncLifetime
{
    public Api Api { get; private set; } = null!;

    public virtual string Transport => "in-memory";

    public async Task InitializeAsync()
    {
        var environment = new Dictionary<string, string>(Environment()) { ["ImageNft__MaxImageBytes"] = SystemLimits.MaxImageBytes.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        Api = new Api(await SystemUnderTest.StartAsync(environment));
    }

    public async Task DisposeAsync() => await Api.System.DisposeAsync();

    protected virtual IReadOnlyDictionary<string, string> Environment() => new Dictionary<string, string>();
}

/// <summary>
/// The same system with RabbitMQ as MassTransit's transport. test.sh starts Debian's rabbitmq-server and sets
/// HYBRIDEHR_TEST_RABBITMQ (amqp://user:pass@127.0.0.1:port/); without it this fixture fails, it never skips.
/// </summary>
public sealed class RabbitMqSystemFixture : InMemorySystemFixture
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

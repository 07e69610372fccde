using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using Xunit;

namespace HybridEhr.Clients.Fabric.Tests;

/// <summary>Runs only when FABRIC_TEST_PEER names a real gateway peer; otherwise skipped with the reason.</summary>
public sealed class FabricNetworkFactAttribute : FactAttribute
{
    public FabricNetworkFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(RealNetwork.PeerVariable)))
        {
            Skip = $"{RealNetwork.PeerVariable} is not set: no Fabric network to test against (docs/fabric.md tells how to point the suite at one).";
        }
    }
}

/// <summary>
/// The settings of the opt-in suite, from the environment: FABRIC_TEST_PEER (https://host:port), FABRIC_TEST_MSP_ID,
/// FABRIC_TEST_CERT, FABRIC_TEST_KEY, FABRIC_TEST_TLS_CA (PEM paths), FABRIC_TEST_CHANNEL, FABRIC_TEST_CHAINCODE and
/// optionally FABRIC_TEST_TLS_SERVER_NAME. With the peer set, anything missing fails the tests: it is never skipped.
/// </summary>
public static class RealNetwork
{
    public const string PeerVariable = "FABRIC_TEST_PEER";

    public static FabricGatewaySettings Settings()
    {
        var settings = new FabricGatewaySettings
        {
            PeerEndpoint = Variable(PeerVariable),
            MspId = Variable("FABRIC_TEST_MSP_ID"),
            CertPath = Variable("FABRIC_TEST_CERT"),
            KeyPath = Variable("FABRIC_TEST_KEY"),
            TlsCaCertPath = Environment.GetEnvironmentVariable("FABRIC_TEST_TLS_CA") ?? "",
            TlsServerName = Environment.GetEnvironmentVariable("FABRIC_TEST_TLS_SERVER_NAME"),
            Channel = Variable("FABRIC_TEST_CHANNEL"),
            Chaincode = Variable("FABRIC_TEST_CHAINCODE"),
        };
        var problems = settings.Validate();
        Assert.True(problems.Count == 0, "The Fabric test settings are incomplete: " + string.Join(" ", problems));
        return settings;
    }

    /// <summary>The role attribute Fabric CAs put in the certificate (OID 1.2.3.4.5.6.7.8.1, {"attrs":{...}}).</summary>
    public static string? RoleOf(string certificatePath)
    {
        using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(certificatePath));
        var extension = certificate.Extensions.Cast<X509Extension>().FirstOrDefault(e => e.Oid?.Value == TestCredentials.FabricAttributesOid);
        return extension is null ? null : (string?)JsonNode.Parse(extension.RawData)?["attrs"]?["role"];
    }

    private static string Variable(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : throw new InvalidOperationException($"{name} is not set.");
}

/// <summary>Evaluate, submit and events against the records chaincode on a real network.</summary>
public sealed class RealNetworkTests
{
    [FabricNetworkFact]
    public async Task EvaluateListsTheOrganisations()
    {
        var settings = RealNetwork.Settings();
        var (gateway, channel) = settings.Connect();
        using (channel)
        {
            var result = await Records(gateway, settings).EvaluateTransactionAsync("list_organizations", "{}");

            Assert.IsType<JsonArray>(JsonNode.Parse(result));
        }
    }

    [FabricNetworkFact]
    public async Task TheProbeFindsThePeerHealthy()
    {
        var settings = RealNetwork.Settings();
        var (gateway, channel) = settings.Connect();
        using (channel)
        {
            var result = await new FabricPeerProbe(gateway.GetNetwork(settings.Channel), settings.Chaincode).CheckAsync();

            Assert.True(result.IsHealthy, result.Description);
        }
    }

    /// <summary>
    /// A network admin registers a fresh organisation and then sees its event (and, resuming from the checkpoint, not
    /// again); any other identity must be refused with NOT_NETWORK_ADMIN in the endorsing peers' details.
    /// </summary>
    [FabricNetworkFact]
    public async Task SubmitCommitsAndItsEventArrives()
    {
        var settings = RealNetwork.Settings();
        var (gateway, channel) = settings.Connect();
        using (channel)
        {
            var organization = $"itest-{Guid.NewGuid():N}"[..20];
            var proposal = Records(gateway, settings).NewProposal(
                "register_organization", ProposalOptions.WithArguments(JsonSerializer.Serialize(new { organization })));
            if (RealNetwork.RoleOf(settings.CertPath) != "network_admin")
            {
                var refused = await Assert.ThrowsAsync<EndorseException>(() => proposal.EndorseAsync());
                Assert.Contains("NOT_NETWORK_ADMIN", refused.Message, StringComparison.Ordinal);
                return;
            }

            var submitted = await (await proposal.EndorseAsync()).SubmitAsync();
            var status = await submitted.GetStatusAsync();
            Assert.True(status.IsSuccessful, status.Code.ToString());
            Assert.Equal(organization, (string?)JsonNode.Parse(submitted.Result)?["organization_id"]);

            var network = gateway.GetNetwork(settings.Channel);
            var seen = await FirstEventOfAsync(network, settings.Chaincode, new ChaincodeEventsOptions { StartBlock = status.BlockNumber }, submitted.TransactionId);
            Assert.NotNull(seen);
            Assert.Equal("OrganizationRegistered", seen.EventName);
            Assert.Equal(organization, (string?)JsonNode.Parse(Encoding.UTF8.GetString(seen.Payload))?["organization_id"]);

            var checkpoint = new ChaincodeEventCheckpoint();
            checkpoint.CheckpointEvent(seen);
            var again = await FirstEventOfAsync(network, settings.Chaincode, new ChaincodeEventsOptions { Checkpoint = checkpoint }, submitted.TransactionId);
            Assert.Null(again);
        }
    }

    private static Contract Records(Gateway gateway, FabricGatewaySettings settings) =>
        gateway.GetNetwork(settings.Channel).GetContract(settings.Chaincode, settings.Contract);

    /// <summary>The event of one transaction, or null when none arrives within a few seconds.</summary>
    private static async Task<ChaincodeEvent?> FirstEventOfAsync(Network network, string chaincode, ChaincodeEventsOptions options, string transactionId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await foreach (var chaincodeEvent in network.GetChaincodeEventsAsync(chaincode, options, timeout.Token))
            {
                if (chaincodeEvent.TransactionId == transactionId)
                {
                    return chaincodeEvent;
                }
            }
        }
        catch (Exception error) when (timeout.IsCancellationRequested
            && error is OperationCanceledException or GatewayException { StatusCode: StatusCode.Cancelled or StatusCode.DeadlineExceeded })
        {
            // The stream stays open while no event comes; the timeout ends the wait.
        }

        return null;
    }
}

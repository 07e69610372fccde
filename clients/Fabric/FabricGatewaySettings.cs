using Grpc.Net.Client;

namespace HybridEhr.Clients.Fabric;

/// <summary>
/// The FabricGateway service's real-mode configuration (section <see cref="SectionName"/>; docs/fabric.md): where the
/// gateway peer is, how to trust it, who the service is on the network and which chaincode it calls. Paths point at
/// PEM files as Fabric CAs and cryptogen write them.
/// </summary>
public sealed class FabricGatewaySettings
{
    public const string SectionName = "FabricGateway:Fabric";

    /// <summary>https://host:port of a peer's gateway (http:// only for a peer without TLS).</summary>
    public string PeerEndpoint { get; set; } = "";

    /// <summary>The peer organisation's TLS CA certificate (PEM).</summary>
    public string TlsCaCertPath { get; set; } = "";

    /// <summary>Expected host name in the peer's TLS certificate when the endpoint's host differs.</summary>
    public string? TlsServerName { get; set; }

    /// <summary>Client TLS certificate and key, when the peer requires mutual TLS.</summary>
    public string? TlsClientCertPath { get; set; }

    public string? TlsClientKeyPath { get; set; }

    /// <summary>The MSP id of the service's organisation, e.g. HospitalAMSP.</summary>
    public string MspId { get; set; } = "";

    /// <summary>The service's enrolment certificate (signcerts) and private key (keystore).</summary>
    public string CertPath { get; set; } = "";

    public string KeyPath { get; set; } = "";

    public string Channel { get; set; } = "";

    public string Chaincode { get; set; } = "";

    /// <summary>The contract inside the chaincode; the records chaincode names its contract "records".</summary>
    public string? Contract { get; set; } = "records";

    /// <summary>What is missing or wrong, in words; empty when the settings can be used.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        Require(PeerEndpoint, nameof(PeerEndpoint), problems);
        Require(MspId, nameof(MspId), problems);
        Require(Channel, nameof(Channel), problems);
        Require(Chaincode, nameof(Chaincode), problems);
        RequireFile(CertPath, nameof(CertPath), problems);
        RequireFile(KeyPath, nameof(KeyPath), problems);
        if (Uri.TryCreate(PeerEndpoint, UriKind.Absolute, out var endpoint))
        {
            if (endpoint.Scheme == Uri.UriSchemeHttps)
            {
                RequireFile(TlsCaCertPath, nameof(TlsCaCertPath), problems);
            }
            else if (endpoint.Scheme != Uri.UriSchemeHttp)
            {
                problems.Add($"{nameof(PeerEndpoint)} must be https:// (or http:// for a peer without TLS).");
            }
        }
        else if (PeerEndpoint.Length > 0)
        {
            problems.Add($"{nameof(PeerEndpoint)} '{PeerEndpoint}' is not an absolute URI.");
        }

        if ((TlsClientCertPath is null) != (TlsClientKeyPath is null))
        {
            problems.Add($"{nameof(TlsClientCertPath)} and {nameof(TlsClientKeyPath)} go together.");
        }

        return problems;
    }

    /// <summary>Opens the channel and the gateway; the caller disposes of the channel.</summary>
    public (Gateway Gateway, GrpcChannel Channel) Connect()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("Fabric gateway settings are incomplete: " + string.Join(" ", problems));
        }

        var tls = PeerEndpoint.StartsWith("https:", StringComparison.OrdinalIgnoreCase)
            ? new FabricTlsOptions
            {
                CaCertificatePem = File.ReadAllText(TlsCaCertPath),
                ServerNameOverride = string.IsNullOrEmpty(TlsServerName) ? null : TlsServerName,
                ClientCertificatePem = TlsClientCertPath is null ? null : File.ReadAllText(TlsClientCertPath),
                ClientKeyPem = TlsClientKeyPath is null ? null : File.ReadAllText(TlsClientKeyPath),
            }
            : null;
        var channel = FabricChannels.Create(PeerEndpoint, tls);
        var gateway = Gateway.Connect(new GatewayOptions
        {
            Channel = channel,
            Identity = Identity.FromPemFile(MspId, CertPath),
            Signer = EcdsaSigner.FromPemFile(KeyPath),
        });
        return (gateway, channel);
    }

    private static void Require(string value, string name, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            problems.Add($"{name} is required.");
        }
    }

    private static void RequireFile(string path, string name, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            problems.Add($"{name} is required.");
        }
        else if (!File.Exists(path))
        {
            problems.Add($"{name} '{path}' does not exist.");
        }
    }
}

using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;

namespace HybridEhr.Clients.Fabric;

/// <summary>TLS settings of a peer connection: the CA that issued the peer's TLS certificate, optionally a client pair.</summary>
public sealed record FabricTlsOptions
{
    /// <summary>PEM of the TLS CA the peer's certificate must chain to (only this CA is trusted, not the system store).</summary>
    public required string CaCertificatePem { get; init; }

    /// <summary>Host name to expect in the peer's certificate when it differs from the address (e.g. through a tunnel).</summary>
    public string? ServerNameOverride { get; init; }

    /// <summary>Client certificate and key (PEM) when the peer requires mutual TLS.</summary>
    public string? ClientCertificatePem { get; init; }

    public string? ClientKeyPem { get; init; }
}

/// <summary>Channels (Grpc.Net.Client) to a peer's gateway endpoint: h2c for http://, TLS for https://.</summary>
public static class FabricChannels
{
    public static GrpcChannel Create(string endpoint, FabricTlsOptions? tls = null)
    {
        var address = new Uri(endpoint, UriKind.Absolute);
        if (address.Scheme == Uri.UriSchemeHttps && tls is null)
        {
            throw new ArgumentException("An https:// peer endpoint needs TLS options (at least the TLS CA).", nameof(tls));
        }

        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = CreateHandler(tls), DisposeHttpClient = true });
    }

    /// <summary>One HTTP/2 connection pool per peer, kept alive while idle (events streams wait long between blocks), plus TLS.</summary>
    internal static HttpMessageHandler CreateHandler(FabricTlsOptions? tls)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(60),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            UseProxy = false,
        };
        if (tls is not null)
        {
            handler.SslOptions = ClientAuthentication(tls);
        }

        return handler;
    }

    private static SslClientAuthenticationOptions ClientAuthentication(FabricTlsOptions tls)
    {
        var chainPolicy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
        };
        chainPolicy.CustomTrustStore.Add(X509Certificate2.CreateFromPem(tls.CaCertificatePem));
        var options = new SslClientAuthenticationOptions
        {
            CertificateChainPolicy = chainPolicy,
            ApplicationProtocols = [SslApplicationProtocol.Http2],
        };
        if (tls.ServerNameOverride is { } serverName)
        {
            options.TargetHost = serverName;
        }

        if (tls.ClientCertificatePem is { } certificate && tls.ClientKeyPem is { } key)
        {
            options.ClientCertificates = [X509Certificate2.CreateFromPem(certificate, key)];
        }
        else if (tls.ClientCertificatePem is not null || tls.ClientKeyPem is not null)
        {
            throw new ArgumentException("Mutual TLS needs both the client certificate and its key.", nameof(tls));
        }

        return options;
    }
}

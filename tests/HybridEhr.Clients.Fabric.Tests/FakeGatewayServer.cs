using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace HybridEhr.Clients.Fabric.Tests;

/// <summary>The fake gateway on a free loopback port, over h2c or over TLS with a test CA.</summary>
public abstract class FakeGatewayServer : IAsyncLifetime
{
    private WebApplication? _app;

    public FakeGatewayState State { get; } = new();

    public string Address { get; private set; } = "";

    protected abstract void ConfigureEndpoint(ListenOptions listen);

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            ConfigureEndpoint(listen);
        }));
        builder.Services.AddGrpc(options => options.EnableDetailedErrors = true);
        builder.Services.AddSingleton(State);
        _app = builder.Build();
        _app.MapGrpcService<FakeGatewayService>();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Address = address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

public sealed class PlainFakeGateway : FakeGatewayServer
{
    protected override void ConfigureEndpoint(ListenOptions listen)
    {
    }
}

/// <summary>TLS with a server certificate from a test CA; a client certificate is accepted but not required.</summary>
public sealed class TlsFakeGateway : FakeGatewayServer, IDisposable
{
    public const string PeerHostName = "peer0.hospitala.example.com";

    private readonly X509Certificate2 _serverCertificate;

    public TlsFakeGateway()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=tlsca.hospitala.example.com", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        CaCertificatePem = ca.ExportCertificatePem();

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest($"CN={PeerHostName}", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(PeerHostName);
        names.AddIpAddress(IPAddress.Loopback);
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var issued = serverRequest.Create(ca, now.AddMinutes(-5), now.AddDays(1), [1, 2, 3, 4]);
        using var withKey = issued.CopyWithPrivateKey(serverKey);
        // A PKCS#12 round trip gives Kestrel a key it can use on every platform.
        _serverCertificate = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    public string CaCertificatePem { get; }

    protected override void ConfigureEndpoint(ListenOptions listen) => listen.UseHttps(new HttpsConnectionAdapterOptions
    {
        ServerCertificate = _serverCertificate,
        ClientCertificateMode = ClientCertificateMode.AllowCertificate,
        ClientCertificateValidation = (_, _, _) => true,
    });

    public void Dispose() => _serverCertificate.Dispose();
}

using System.Security.Cryptography;
using Google.Protobuf;
using HybridEhr.Contracts.ImageNft.V1;
using Grpc.Core;
using ImageNftApi = HybridEhr.Contracts.ImageNft.V1.ImageNft;
using HybridEhr.ImageNft.Access;
using HybridEhr.ImageNft.Content;
using HybridEhr.ImageNft.Hosting;
using HybridEhr.ImageNft.Ledger;
using HybridEhr.Messaging;
using HybridEhr.Security;
using HybridEhr.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;
using Grpc.Net.Client;
using HybridEhr.Testing;

namespace HybridEhr.ImageNft.Tests;

/// <summary>
/// The service wired as Program.cs wires it (authentication, event bus, storage, keys), on a loopback port, called
/// through the gRPC stack; only Permissions and the chain are fakes.
/// </summary>
public sealed class GrpcServiceTests : IAsyncLifetime
{
    private const string KeyId = "test-key";
    private readonly ECDsa _signingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly TemporaryDirectory _directory = new();
    private readonly FakeLedger _ledger = new();
    private readonly FakeGrants _grants = new FakeGrants().Grant(Callers.Alice, Callers.DrSmith);
    private WebApplication? _app;
    private string _address = "";

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration["DataDirectory"] = _directory.Path;
        builder.Configuration["services:identity:grpc:0"] = "http://127.0.0.1:1";
        builder.Configuration["ImageNft:MaxImageBytes"] = "2000000";
        builder.AddServiceDefaults();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IAccessTokenKeySource>(new FixedKeySource(_signingKey));
        builder.AddAccessTokenAuthentication();
        builder.AddEventBus();
        builder.AddImageNft();
        builder.Services.AddSingleton<IImageLedger>(_ledger);
        builder.Services.AddSingleton<IGrantChecker>(_grants);
        _app = builder.Build();
        _app.MapGrpcService<ImageNftService>();
        _app.MapDefaultEndpoints();
        await _app.StartAsync();
        _address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
    }

    [Fact]
    public async Task A_doctor_uploads_and_the_patient_streams_the_same_bytes_back()
    {
        var image = Images.Png(900_000);
        var doctor = Client(Callers.DrSmith, Roles.Doctor);
        using var upload = doctor.UploadImage();
        await upload.RequestStream.WriteAsync(new UploadImageRequest { Metadata = Images.Metadata(image.Length) });
        for (var offset = 0; offset < image.Length; offset += ImageNftTestClient.MaxChunk)
        {
            await upload.RequestStream.WriteAsync(new UploadImageRequest { Chunk = ByteString.CopyFrom(image, offset, Math.Min(ImageNftTestClient.MaxChunk, image.Length - offset)) });
        }

        await upload.RequestStream.CompleteAsync();
        var uploaded = await upload;

        var patient = Client(Callers.Alice, Roles.Patient);
        using var download = patient.GetImage(new GetImageRequest { TokenId = uploaded.TokenId });
        var received = new MemoryStream();
        ImageMetadata? metadata = null;
        await foreach (var message in download.ResponseStream.ReadAllAsync())
        {
            if (message.PartCase == GetImageResponse.PartOneofCase.Metadata)
            {
                metadata = message.Metadata;
            }
            else
            {
                message.Chunk.WriteTo(received);
            }
        }

        Assert.Equal(image, received.ToArray());
        Assert.Equal(uploaded.Cid, metadata!.Token.Cid);
        Assert.Equal(uploaded.TokenId, (await patient.GetToken(new GetTokenRequest { TokenId = uploaded.TokenId })).Token.TokenId);
        Assert.Single((await patient.ListTokens(new ListTokensRequest())).Tokens);
    }

    [Fact]
    public async Task An_upload_over_the_configured_limit_is_resource_exhausted()
    {
        using var upload = Client(Callers.DrSmith, Roles.Doctor).UploadImage();
        await upload.RequestStream.WriteAsync(new UploadImageRequest { Metadata = Images.Metadata(3_000_000) });

        var error = await Assert.ThrowsAsync<RpcException>(async () => await upload);
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task A_call_without_a_token_is_unauthenticated()
    {
        var anonymous = new ImageNftTestClient(GrpcChannel.ForAddress(_address));

        var error = await Assert.ThrowsAsync<RpcException>(async () => await anonymous.GetToken(new GetTokenRequest { TokenId = "x" }));
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _signingKey.Dispose();
        _directory.Dispose();
    }

    private ImageNftTestClient Client(string account, string role)
    {
        var token = AccessTokens.Issue(_signingKey, KeyId,
            new AccessTokenClaims(account, role, role == Roles.Doctor ? "HospitalAMSP" : null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(5), "jti"));
        var bearer = CallCredentials.FromInterceptor((_, metadata) =>
        {
            metadata.Add("authorization", "Bearer " + token);
            return Task.CompletedTask;
        });
        return new ImageNftTestClient(GrpcChannel.ForAddress(_address, new GrpcChannelOptions
        {
            Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure, bearer),
            UnsafeUseInsecureChannelCallCredentials = true,
        }));
    }

    private sealed class FixedKeySource(ECDsa key) : IAccessTokenKeySource
    {
        public ECDsa? Find(string keyId) => keyId == KeyId ? key : null;
    }
}

/// <summary>The generated ImageNft client, with the chunk size a caller uses and every unary call awaitable.</summary>
internal sealed class ImageNftTestClient(GrpcChannel channel)
{
    public const int MaxChunk = 256 * 1024;

    private readonly ImageNftApi.ImageNftClient _client = new(channel);

    public AsyncClientStreamingCall<UploadImageRequest, UploadImageResponse> UploadImage() => _client.UploadImage();

    public AsyncServerStreamingCall<GetImageResponse> GetImage(GetImageRequest request) => _client.GetImage(request);

    public AsyncUnaryCall<GetTokenResponse> GetToken(GetTokenRequest request) => _client.GetTokenAsync(request);

    public AsyncUnaryCall<ListTokensResponse> ListTokens(ListTokensRequest request) => _client.ListTokensAsync(request);
}

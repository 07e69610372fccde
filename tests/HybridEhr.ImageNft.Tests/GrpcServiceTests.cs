using System.Security.Cryptography;
using Google.Protobuf;
using HybridEhr.Contracts.ImageNft.V1;
using HybridEhr.Grpc;
using HybridEhr.Grpc.Client;
using HybridEhr.Grpc.Server;
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
        builder.Configuration["Services:identity"] = "http://127.0.0.1:1";
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
        await foreach (var message in download.ResponseStream)
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
        return new ImageNftTestClient(GrpcChannel.ForAddress(_address, new GrpcChannelOptions
        {
            MetadataProvider = (metadata, _) =>
            {
                metadata.Add("authorization", "Bearer " + token);
                return ValueTask.CompletedTask;
            },
        }));
    }

    private sealed class FixedKeySource(ECDsa key) : IAccessTokenKeySource
    {
        public ValueTask<ECDsa?> FindAsync(string keyId, CancellationToken cancellationToken) => ValueTask.FromResult<ECDsa?>(keyId == KeyId ? key : null);
    }
}

/// <summary>Typed client of hybridehr.imagenft.v1.ImageNft, as a caller would write it.</summary>
internal sealed class ImageNftTestClient(GrpcChannel channel) : GrpcClient(channel)
{
    public const int MaxChunk = 256 * 1024;

    private static readonly Google.Protobuf.Reflection.ServiceDescriptor Service = ImageNftReflection.Descriptor.Services[0];
    private static readonly Method<UploadImageRequest, UploadImageResponse> UploadImageMethod = Method<UploadImageRequest, UploadImageResponse>.Create(Service, "UploadImage");
    private static readonly Method<GetImageRequest, GetImageResponse> GetImageMethod = Method<GetImageRequest, GetImageResponse>.Create(Service, "GetImage");
    private static readonly Method<GetTokenRequest, GetTokenResponse> GetTokenMethod = Method<GetTokenRequest, GetTokenResponse>.Create(Service, "GetToken");
    private static readonly Method<ListTokensRequest, ListTokensResponse> ListTokensMethod = Method<ListTokensRequest, ListTokensResponse>.Create(Service, "ListTokens");

    public AsyncClientStreamingCall<UploadImageRequest, UploadImageResponse> UploadImage() => Channel.ClientStreaming(UploadImageMethod);

    public AsyncServerStreamingCall<GetImageResponse> GetImage(GetImageRequest request) => Channel.ServerStreaming(GetImageMethod, request);

    public AsyncUnaryCall<GetTokenResponse> GetToken(GetTokenRequest request) => Channel.Unary(GetTokenMethod, request);

    public AsyncUnaryCall<ListTokensResponse> ListTokens(ListTokensRequest request) => Channel.Unary(ListTokensMethod, request);
}

using System.Security.Cryptography;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using HybridEhr.Contracts.Records.V1;
using Grpc.Core;
using HybridEhr.Messaging;
using HybridEhr.Records.Access;
using HybridEhr.Records.Chain;
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

namespace HybridEhr.Records.Tests;

/// <summary>
/// The service wired as Program.cs wires it (authentication, outbox, storage), on a free port, with fakes in place of
/// Identity's keys, Permissions and FabricGateway: checks what the unit tests cannot (the anonymous path, token
/// forwarding to the ports, the audit event on disk before the answer).
/// </summary>
public sealed class RecordsServiceGrpcTests : IAsyncLifetime
{
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor Service = RecordsReflection.Descriptor.Services[0];
    private static readonly string Alice = Callers.Account("alice");
    private static readonly string DrSmith = Callers.Account("drsmith");

    private readonly TempDirectory _directory = new();
    private readonly ECDsa _signingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly TokenRecordingPermissions _permissions = new();
    private WebApplication? _app;
    private GrpcChannel? _channel;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration["DataDirectory"] = _directory.Path;
        builder.Configuration["Records:MasterKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.AddServiceDefaults();
        builder.Services.AddSingleton<IAccessTokenKeySource>(new StaticKey(_signingKey));
        builder.AddRecordAuthentication();
        builder.AddEventBus();
        builder.AddRecordStorage();
        builder.AddRecordDependencies();
        builder.Services.AddSingleton<IRecordAnchors>(new FakeAnchors(new ManualClock(DateTimeOffset.UtcNow)));
        builder.Services.AddSingleton<IPermissionChecker>(_permissions);
        var accounts = new FakeAccounts();
        accounts.Patients.Add(Alice);
        builder.Services.AddSingleton<IAccountDirectory>(accounts);
        _permissions.Inner.Grants[(Alice, DrSmith)] = "grant-1";

        _app = builder.Build();
        _app.MapGrpcService<RecordsService>();
        _app.MapDefaultEndpoints();
        await _app.StartAsync();
        _channel = GrpcChannel.ForAddress(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _directory.Dispose();
    }

    [Fact]
    public async Task Calls_without_a_token_are_unauthenticated()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Call<GetRecordRequest, GetRecordResponse>("GetRecord", new GetRecordRequest { RecordId = "r-1" }, token: null));

        Assert.Equal(StatusCode.Unauthenticated, ex.Status.StatusCode);
    }

    [Fact]
    public async Task Create_read_share_and_open_through_grpc()
    {
        var doctor = Token(DrSmith, Roles.Doctor, "HospitalAMSP");
        var patient = Token(Alice, Roles.Patient, null);

        var created = await Call<CreateRecordRequest, CreateRecordResponse>("CreateRecord",
            new CreateRecordRequest { PatientAccountId = Alice, Document = Documents.Pneumonia() }, doctor);
        var read = await Call<GetRecordRequest, GetRecordResponse>("GetRecord", new GetRecordRequest { RecordId = created.RecordId }, patient);
        var journal = await File.ReadAllTextAsync(Path.Combine(_directory.Path, "outbox", "outbox.journal"));
        var link = await Call<CreateShareLinkRequest, CreateShareLinkResponse>("CreateShareLink",
            new CreateShareLinkRequest { RecordId = created.RecordId, TimeToLive = Duration.FromTimeSpan(TimeSpan.FromHours(1)) }, patient);
        var opened = await Call<OpenShareLinkRequest, OpenShareLinkResponse>("OpenShareLink", new OpenShareLinkRequest { Token = link.Token }, token: null);
        var second = await Assert.ThrowsAsync<RpcException>(() =>
            Call<OpenShareLinkRequest, OpenShareLinkResponse>("OpenShareLink", new OpenShareLinkRequest { Token = link.Token }, token: null));

        Assert.Equal(Documents.Pneumonia(), read.Record.Document);
        Assert.Contains("HybridEhr.Contracts.Events.RecordCreated", journal, StringComparison.Ordinal);
        Assert.Contains("HybridEhr.Contracts.Events.RecordRead", journal, StringComparison.Ordinal);
        Assert.Equal(Documents.Pneumonia(), opened.Record.Document);
        Assert.Equal(StatusCode.FailedPrecondition, second.Status.StatusCode);
        // The doctor's own token went to Permissions: the check was made as the doctor, never as Records.
        Assert.Equal([doctor], _permissions.TokensSeen);
    }

    [Fact]
    public async Task A_patient_writing_is_refused()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Call<CreateRecordRequest, CreateRecordResponse>("CreateRecord",
            new CreateRecordRequest { PatientAccountId = Alice, Document = Documents.Pneumonia() }, Token(Alice, Roles.Patient, null)));

        Assert.Equal(StatusCode.PermissionDenied, ex.Status.StatusCode);
    }

    private async Task<TResponse> Call<TRequest, TResponse>(string method, TRequest request, string? token)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        var headers = new Metadata();
        if (token is not null)
        {
            headers.Add("authorization", "Bearer " + token);
        }

        return await _channel!.Unary(GrpcMethods.Create<TRequest, TResponse>(Service, method), request,
            new CallOptions(headers: headers, deadline: DateTime.UtcNow.AddSeconds(30))).ResponseAsync;
    }

    private string Token(string subject, string role, string? organisation)
    {
        var now = DateTimeOffset.UtcNow;
        return AccessTokens.Issue(_signingKey, "test-key", new AccessTokenClaims(subject, role, organisation, now, now.AddMinutes(10), Guid.NewGuid().ToString("N")));
    }

    private sealed class StaticKey(ECDsa key) : IAccessTokenKeySource
    {
        public ECDsa? Find(string keyId) => keyId == "test-key" ? key : null;
    }

    /// <summary>Remembers which token each check would have carried to Permissions (the forwarding channel reads the same value).</summary>
    private sealed class TokenRecordingPermissions : IPermissionChecker
    {
        public FakePermissions Inner { get; } = new();

        public List<string?> TokensSeen { get; } = [];

        public Task<GrantCheck> CheckAsync(string patientAccountId, string doctorAccountId, bool strict, CancellationToken cancellationToken)
        {
            lock (TokensSeen)
            {
                TokensSeen.Add(CallerContextExtensions.CurrentCaller?.Token);
            }

            return Inner.CheckAsync(patientAccountId, doctorAccountId, strict, cancellationToken);
        }
    }
}

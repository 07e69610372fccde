using System.Security.Cryptography;
using Google.Protobuf.WellKnownTypes;
using HybridEhr.Contracts.Permissions.V1;
using Grpc.Core;
using HybridEhr.Messaging;
using HybridEhr.Permissions.Chain;
using HybridEhr.Permissions.Hosting;
using HybridEhr.Security;
using HybridEhr.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using static HybridEhr.Permissions.Tests.Accounts;
using Grpc.Net.Client;
using HybridEhr.Testing;

namespace HybridEhr.Permissions.Tests;

/// <summary>
/// The service over gRPC in this process, wired as Program.cs wires it, with the chain and Identity replaced by
/// fakes (tokens signed by a test key): wire mapping, authentication, statuses and the notification stream.
/// </summary>
public sealed class ServiceTests : IAsyncLifetime
{
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor Service = PermissionsReflection.Descriptor.Services[0];
    private readonly string _data = Path.Combine(Path.GetTempPath(), "permissions-service-" + Guid.NewGuid().ToString("N"));
    private readonly ECDsa _tokenKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);
    private WebApplication _app = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DataDirectory"] = _data,
            ["services:devnet:grpc:0"] = "http://127.0.0.1:9", // nothing listens: the follower just keeps retrying
            ["services:identity:grpc:0"] = "http://127.0.0.1:9",
        });
        builder.Services.AddSingleton<TimeProvider>(_clock);
        builder.Services.AddSingleton<IAccessTokenKeySource>(new TestKeys(_tokenKey));
        builder.AddServiceDefaults();
        builder.AddAccessTokenAuthentication();
        builder.AddEventBus();
        builder.AddPermissions();
        builder.Services.Replace(ServiceDescriptor.Singleton<IPermissionChain>(new FakeChain(_clock).WithPatient(Alice).WithPatient(Bob).WithDoctor(DrSmith)));
        builder.Services.Replace(ServiceDescriptor.Singleton<ITransactionSignerFactory>(new FakeSigners()));
        _app = builder.Build();
        _app.MapGrpcService<PermissionsService>();
        _app.MapDefaultEndpoints();
        await _app.StartAsync();
        _channel = GrpcChannel.ForAddress(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _app.DisposeAsync();
        _tokenKey.Dispose();
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    [Fact]
    public async Task Grant_check_revoke_check_over_the_wire_with_the_doctor_notified()
    {
        using var watching = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var watch = _channel.ServerStreaming(GrpcMethods.Create<WatchNotificationsRequest, WatchNotificationsResponse>(Service, "WatchNotifications"),
            new WatchNotificationsRequest(), As(DrSmith, "doctor", watching.Token));
        await using var notifications = watch.ResponseStream.ReadAllAsync(watching.Token).GetAsyncEnumerator();
        var first = notifications.MoveNextAsync(); // our client sends the call and reads headers on the first read
        await watch.ResponseHeadersAsync.WaitAsync(watching.Token); // the server has fixed the stream's starting point

        var granted = await Call<GrantPermissionRequest, GrantPermissionResponse>("GrantPermission",
            new GrantPermissionRequest { DoctorAccountId = DrSmith, ExpiresAt = Timestamp.FromDateTimeOffset(_clock.Now.AddDays(1)) }, Alice, "patient");
        var check = await Call<HasPermissionRequest, HasPermissionResponse>("HasPermission",
            new HasPermissionRequest { PatientAccountId = Alice, DoctorAccountId = DrSmith }, DrSmith, "doctor");
        Assert.True(check.HasPermission);
        Assert.Equal(granted.Grant.GrantId, check.Grant.GrantId);
        Assert.Equal(GrantOrigin.Direct, check.Grant.Origin);

        var revoked = await Call<RevokePermissionRequest, RevokePermissionResponse>("RevokePermission",
            new RevokePermissionRequest { DoctorAccountId = DrSmith }, Alice, "patient");
        Assert.Equal(granted.Grant.GrantId, revoked.RevokedGrant.GrantId);
        Assert.False((await Call<HasPermissionRequest, HasPermissionResponse>("HasPermission",
            new HasPermissionRequest { PatientAccountId = Alice, DoctorAccountId = DrSmith }, DrSmith, "doctor")).HasPermission);

        Assert.True(await first);
        Assert.Equal((NotificationType.Granted, granted.Grant.GrantId), (notifications.Current.Type, notifications.Current.GrantId));
        var grantedCursor = notifications.Current.Cursor;
        Assert.True(await notifications.MoveNextAsync());
        Assert.Equal(NotificationType.Revoked, notifications.Current.Type);

        // Reconnecting with the first cursor replays what came after it.
        using var resumed = _channel.ServerStreaming(GrpcMethods.Create<WatchNotificationsRequest, WatchNotificationsResponse>(Service, "WatchNotifications"),
            new WatchNotificationsRequest { ResumeAfter = grantedCursor }, As(DrSmith, "doctor", watching.Token));
        await using var replay = resumed.ResponseStream.ReadAllAsync(watching.Token).GetAsyncEnumerator();
        Assert.True(await replay.MoveNextAsync());
        Assert.Equal(NotificationType.Revoked, replay.Current.Type);
    }

    [Fact]
    public async Task Statuses_reach_the_caller_with_their_codes()
    {
        var noToken = await Assert.ThrowsAsync<RpcException>(() => _channel.Unary(
            GrpcMethods.Create<HasPermissionRequest, HasPermissionResponse>(Service, "HasPermission"),
            new HasPermissionRequest { PatientAccountId = Alice, DoctorAccountId = DrSmith }, default).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, noToken.StatusCode);

        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() => Call<HasPermissionRequest, HasPermissionResponse>(
            "HasPermission", new HasPermissionRequest { PatientAccountId = Alice, DoctorAccountId = DrSmith }, Bob, "patient"))).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => Call<GrantPermissionRequest, GrantPermissionResponse>(
            "GrantPermission", new GrantPermissionRequest { DoctorAccountId = "not-an-account" }, Alice, "patient"))).StatusCode);
        Assert.Equal(StatusCode.FailedPrecondition, (await Assert.ThrowsAsync<RpcException>(() => Call<GrantPermissionRequest, GrantPermissionResponse>(
            "GrantPermission", new GrantPermissionRequest { DoctorAccountId = Bob }, Alice, "patient"))).StatusCode);
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => Call<RevokePermissionRequest, RevokePermissionResponse>(
            "RevokePermission", new RevokePermissionRequest { DoctorAccountId = DrSmith }, Bob, "patient"))).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() => Call<ListPendingRequestsRequest, ListPendingRequestsResponse>(
            "ListPendingRequests", new ListPendingRequestsRequest(), DrSmith, "doctor"))).StatusCode);
    }

    [Fact]
    public async Task A_request_reaches_the_patient_who_approves_it()
    {
        var requested = await Call<RequestAccessRequest, RequestAccessResponse>("RequestAccess",
            new RequestAccessRequest { PatientAccountId = Alice, Reason = "consultation on Monday" }, DrSmith, "doctor");
        var pending = await Call<ListPendingRequestsRequest, ListPendingRequestsResponse>("ListPendingRequests", new ListPendingRequestsRequest(), Alice, "patient");
        Assert.Equal("consultation on Monday", Assert.Single(pending.Requests).Reason);

        var approved = await Call<ApproveAccessRequest, ApproveAccessResponse>("ApproveAccess",
            new ApproveAccessRequest { RequestId = requested.Request.RequestId }, Alice, "patient");
        Assert.Equal(GrantOrigin.ApprovedRequest, approved.Grant.Origin);
        Assert.Equal(requested.Request.RequestId, approved.Grant.RequestId);

        var grantees = await Call<GetGranteesRequest, GetGranteesResponse>("GetGrantees", new GetGranteesRequest(), Alice, "patient");
        Assert.Equal(DrSmith, Assert.Single(grantees.Grants).DoctorAccountId);
    }

    private Task<TResponse> Call<TRequest, TResponse>(string method, TRequest request, string account, string role)
        where TRequest : class, Google.Protobuf.IMessage<TRequest>, new()
        where TResponse : class, Google.Protobuf.IMessage<TResponse>, new() =>
        _channel.Unary(GrpcMethods.Create<TRequest, TResponse>(Service, method), request, As(account, role, default)).ResponseAsync;

    private CallOptions As(string account, string role, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var token = AccessTokens.Issue(_tokenKey, "test-key", new AccessTokenClaims(account, role, null, now, now.AddMinutes(5), Guid.NewGuid().ToString("N")));
        return new CallOptions(headers: new Metadata { { "authorization", "Bearer " + token } }, cancellationToken: cancellationToken);
    }

    private sealed class TestKeys(ECDsa key) : IAccessTokenKeySource
    {
        public ECDsa? Find(string keyId) => keyId == "test-key" ? key : null;
    }
}

using Google.Protobuf;
using HybridEhr.Clients.Devnet;
using HybridEhr.Contracts.Common.V1;
using HybridEhr.Contracts.Identity.V1;
using HybridEhr.Devnet.Ledger;
using Grpc.Core;
using HybridEhr.Identity.Chain;
using HybridEhr.Identity.Doctors;
using HybridEhr.Identity.Hosting;
using HybridEhr.Security;
using HybridEhr.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Grpc.Net.Client;
using HybridEhr.Testing;

namespace HybridEhr.Identity.Tests;

/// <summary>The Identity service wired as Program.cs wires it, on a loopback port, with fake chain and hospital ports.</summary>
public sealed class IdentityServerFixture : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private WebApplication? _app;

    public FakePermissionChain Chain { get; } = new();

    public FakeDoctorRegistry Doctors { get; } = new();

    public GrpcChannel Channel { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Doctors.DoctorDocuments["DR-5555"] = "HospitalAMSP";
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DataDirectory"] = _directory.Path,
            ["Identity:PasswordIterations"] = "1000",
            ["Identity:MasterKey"] = Convert.ToBase64String(IdentityWorld.MasterKey),
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.AddServiceDefaults();
        builder.AddIdentityStorage();
        builder.AddIdentityTokens();
        builder.AddIdentityChains();
        builder.AddIdentityEvents();
        builder.AddIdentityAccounts();
        builder.Services.AddSingleton<IPermissionChain>(Chain);
        builder.Services.AddSingleton<IDoctorRegistry>(Doctors);
        _app = builder.Build();
        _app.MapGrpcService<IdentityService>();
        _app.MapDefaultEndpoints();
        await _app.StartAsync();
        Channel = GrpcChannel.ForAddress(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _directory.Dispose();
    }
}

public sealed class IdentityGrpcTests(IdentityServerFixture server) : IClassFixture<IdentityServerFixture>
{
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor Service = IdentityReflection.Descriptor.Services[0];

    [Fact]
    public async Task Register_login_and_read_the_own_account_through_grpc()
    {
        var registered = await Call<RegisterRequest, RegisterResponse>("Register", NewPatient("GRPC-0001"));
        Assert.Equal(Role.Patient, registered.Role);
        Assert.NotEmpty(registered.AddUserTxId);

        var login = await Call<LoginRequest, LoginResponse>("Login", new LoginRequest
        {
            DocumentAndRole = new DocumentAndRole { IdentityDocumentNumber = "grpc-0001", Role = Role.Patient },
            Password = "a long enough password",
        });
        Assert.Equal(registered.AccountId, login.AccountId);

        var account = await Call<GetAccountRequest, GetAccountResponse>("GetAccount", new GetAccountRequest(), login.AccessToken);
        Assert.Equal("GRPC-0001", account.IdentityDocumentNumber);
        Assert.Equal("Ana", account.FirstName);
        Assert.Equal("ana@example.org", account.Email);

        var myRole = await Call<GetMyRoleRequest, GetMyRoleResponse>("GetMyRole", new GetMyRoleRequest(), login.AccessToken);
        Assert.Equal(Role.Patient, myRole.Role);
        var exists = await Call<UserExistsRequest, UserExistsResponse>("UserExists", new UserExistsRequest { AccountId = registered.AccountId }, login.AccessToken);
        Assert.True(exists.Exists);
    }

    [Fact]
    public async Task The_published_signing_key_validates_issued_tokens()
    {
        await Call<RegisterRequest, RegisterResponse>("Register", NewPatient("GRPC-0002"));
        var login = await Call<LoginRequest, LoginResponse>("Login", new LoginRequest
        {
            DocumentAndRole = new DocumentAndRole { IdentityDocumentNumber = "GRPC-0002", Role = Role.Patient },
            Password = "a long enough password",
        });

        var keys = await Call<GetSigningKeysRequest, GetSigningKeysResponse>("GetSigningKeys", new GetSigningKeysRequest());

        var key = Assert.Single(keys.Keys);
        Assert.Equal("ES256", key.Algorithm);
        Assert.Equal(AccessTokens.ReadKeyId(login.AccessToken), key.KeyId);
        using var publicKey = System.Security.Cryptography.ECDsa.Create();
        publicKey.ImportSubjectPublicKeyInfo(key.PublicKey.Span, out _);
        Assert.Equal(login.AccountId, AccessTokens.Validate(login.AccessToken, publicKey, DateTimeOffset.UtcNow).Subject);
    }

    [Fact]
    public async Task Calls_without_a_valid_token_are_unauthenticated()
    {
        var missing = await Assert.ThrowsAsync<RpcException>(() => Call<GetAccountRequest, GetAccountResponse>("GetAccount", new GetAccountRequest()));
        var forged = await Assert.ThrowsAsync<RpcException>(() => Call<GetAccountRequest, GetAccountResponse>("GetAccount", new GetAccountRequest(), "a.b.c"));

        Assert.Equal(StatusCode.Unauthenticated, missing.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, forged.StatusCode);
    }

    [Fact]
    public async Task Malformed_requests_are_invalid_arguments()
    {
        var noRole = NewPatient("GRPC-0003");
        noRole.RequestedRole = Role.Unspecified;
        var shortPassword = NewPatient("GRPC-0003");
        shortPassword.Password = "short";

        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => Call<RegisterRequest, RegisterResponse>("Register", noRole))).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => Call<RegisterRequest, RegisterResponse>("Register", shortPassword))).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => Call<LoginRequest, LoginResponse>("Login", new LoginRequest { Password = "x" }))).StatusCode);
    }

    [Fact]
    public async Task A_doctor_signs_only_their_own_transactions_and_the_role_of_others_is_readable()
    {
        var doctor = await Call<RegisterRequest, RegisterResponse>("Register", new RegisterRequest
        {
            IdentityDocumentNumber = "DR-5555", FirstName = "Luis", LastName = "Herrera", Email = "luis@example.org",
            Password = "a long enough password", RequestedRole = Role.Doctor,
        });
        Assert.Equal("HospitalAMSP", doctor.OrganisationMspId);
        var login = await Call<LoginRequest, LoginResponse>("Login", new LoginRequest { AccountId = doctor.AccountId, Password = "a long enough password" });
        AccountIds.TryParse(doctor.AccountId, out var publicKey);
        var payload = SignedTransaction.EncodePayload(DevAccounts.RecordsChainId, "records", "create_record", "{}", publicKey, 1, 1);

        var signed = await Call<SignTransactionRequest, SignTransactionResponse>("SignTransaction",
            new SignTransactionRequest { Payload = ByteString.CopyFrom(payload) }, login.AccessToken);

        Assert.True(DevnetKey.Verify(publicKey, payload, signed.Signature.ToByteArray()));
        var other = SignedTransaction.EncodePayload(DevAccounts.RecordsChainId, "records", "create_record", "{}", DevnetKey.Generate().PublicKey, 1, 1);
        var refused = await Assert.ThrowsAsync<RpcException>(() => Call<SignTransactionRequest, SignTransactionResponse>("SignTransaction",
            new SignTransactionRequest { Payload = ByteString.CopyFrom(other) }, login.AccessToken));
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);

        var role = await Call<GetRoleRequest, GetRoleResponse>("GetRole", new GetRoleRequest { AccountId = doctor.AccountId }, login.AccessToken);
        Assert.Equal(Role.Doctor, role.Role);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => Call<GetRoleRequest, GetRoleResponse>("GetRole",
            new GetRoleRequest { AccountId = DevnetKey.Generate().AccountId }, login.AccessToken));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    private static RegisterRequest NewPatient(string document) => new()
    {
        IdentityDocumentNumber = document, FirstName = "Ana", LastName = "Rojas", Email = "Ana@Example.org",
        Password = "a long enough password", RequestedRole = Role.Patient,
    };

    private async Task<TResponse> Call<TRequest, TResponse>(string method, TRequest request, string? token = null)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new()
    {
        var headers = new Metadata();
        if (token is not null)
        {
            headers.Add("authorization", "Bearer " + token);
        }

        return await server.Channel.Unary(GrpcMethods.Create<TRequest, TResponse>(Service, method), request,
            new CallOptions(headers: headers, deadline: DateTime.UtcNow.AddSeconds(30)));
    }
}

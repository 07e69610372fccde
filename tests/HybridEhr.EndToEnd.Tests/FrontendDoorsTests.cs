using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Web;
using HybridEhr.Contracts.Common.V1;
using HybridEhr.Contracts.Identity.V1;
using HybridEhr.Contracts.Permissions.V1;
using HybridEhr.Contracts.Records.V1;
using HybridEhr.Testing;
using Xunit;
using IdentityApi = HybridEhr.Contracts.Identity.V1.Identity;
using PermissionsApi = HybridEhr.Contracts.Permissions.V1.Permissions;
using RecordsApi = HybridEhr.Contracts.Records.V1.Records;

namespace HybridEhr.EndToEnd.Tests;

/// <summary>
/// The two doors beside gRPC, on each service's http endpoint (HTTP/1.1), as a frontend uses them with the docs in
/// hand: JSON on the google.api.http routes, and gRPC-Web; one bearer token from Login for all.
/// </summary>
[Collection(InMemoryCollection.Name)]
public sealed class FrontendDoorsTests(InMemorySystemFixture fixture) : EndToEndTest(fixture), IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };

    private SystemUnderTest System => Api.System;

    [Fact]
    public async Task Json_routes_register_log_in_grant_access_and_write_and_read_a_record()
    {
        var patientDocument = Api.NewDocument();
        var doctorDocument = Api.NewDocument();
        var enrol = await SendAsync(HttpMethod.Post, "fabricgateway", "/v1/fabric-gateway/doctors", null,
            new JsonObject { ["organisationMspId"] = Api.HospitalA, ["identityDocumentNumber"] = doctorDocument },
            headers: [("x-admin-key", SystemUnderTest.AdminKey)]);
        Assert.Equal(HttpStatusCode.OK, enrol.StatusCode);

        var patient = await RegisterAndLogInAsync("Paula", patientDocument, "ROLE_PATIENT");
        var doctor = await RegisterAndLogInAsync("Dario", doctorDocument, "ROLE_DOCTOR");

        var requested = await JsonAsync(await SendAsync(HttpMethod.Post, "permissions", "/v1/permissions/requests", doctor.Token,
            new JsonObject { ["patientAccountId"] = patient.AccountId, ["reason"] = "follow-up" }));
        var requestId = requested["request"]!["requestId"]!.GetValue<string>();
        var approved = await SendAsync(HttpMethod.Post, "permissions", $"/v1/permissions/requests/{requestId}:approve", patient.Token, new JsonObject());
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        var has = await JsonAsync(await SendAsync(HttpMethod.Get, "permissions",
            $"/v1/permissions/patients/{patient.AccountId}/doctors/{doctor.AccountId}?consistency=READ_CONSISTENCY_CHAIN", doctor.Token));
        Assert.True(has["hasPermission"]!.GetValue<bool>());

        var document = JsonNode.Parse(JsonFormatter.Default.Format(SampleDocument()))!;
        var created = await JsonAsync(await SendAsync(HttpMethod.Post, "records", "/v1/records", doctor.Token,
            new JsonObject { ["patientAccountId"] = patient.AccountId, ["document"] = document }));
        var recordId = created["recordId"]!.GetValue<string>();

        var read = await JsonAsync(await SendAsync(HttpMethod.Get, "records", $"/v1/records/{recordId}", patient.Token));
        Assert.Equal(patient.AccountId, read["record"]!["patientAccountId"]!.GetValue<string>());
        Assert.Equal(SampleDocument(), JsonParser.Default.Parse<EhrDocument>(read["record"]!["document"]!.ToJsonString()));
    }

    [Fact]
    public async Task Json_refusals_say_why_with_the_http_status_and_the_grpc_code()
    {
        var patient = await Api.RegisterPatientAsync("Noa");

        var anonymous = await SendAsync(HttpMethod.Get, "identity", "/v1/identity/me", token: null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        var why = await JsonAsync(anonymous, expectSuccess: false);
        Assert.Equal((int)StatusCode.Unauthenticated, why["code"]!.GetValue<int>());
        Assert.Contains("access token", why["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("UNAUTHENTICATED", Detail(why, "ErrorInfo")["reason"]!.GetValue<string>());

        // Only doctors write records: the permission rules refuse a patient.
        var forbidden = await SendAsync(HttpMethod.Post, "records", "/v1/records", patient.Token,
            new JsonObject { ["patientAccountId"] = patient.AccountId, ["document"] = JsonNode.Parse(JsonFormatter.Default.Format(SampleDocument())) });
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        var forbiddenWhy = await JsonAsync(forbidden, expectSuccess: false);
        Assert.Equal((int)StatusCode.PermissionDenied, forbiddenWhy["code"]!.GetValue<int>());
        Assert.Equal("PERMISSION_DENIED", Detail(forbiddenWhy, "ErrorInfo")["reason"]!.GetValue<string>());
        Assert.Equal("hybridehr.records.v1.Records", Detail(forbiddenWhy, "ErrorInfo")["domain"]!.GetValue<string>());

        var invalid = await SendAsync(HttpMethod.Post, "identity", "/v1/identity/accounts", null, new JsonObject
        {
            ["identityDocumentNumber"] = Api.NewDocument(), ["firstName"] = "Eva", ["lastName"] = "Tester", ["email"] = "not-an-address",
            ["password"] = "correct horse battery", ["requestedRole"] = "ROLE_PATIENT",
        });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var invalidWhy = await JsonAsync(invalid, expectSuccess: false);
        Assert.Equal((int)StatusCode.InvalidArgument, invalidWhy["code"]!.GetValue<int>());
        Assert.Contains("email", invalidWhy["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("email", Detail(invalidWhy, "BadRequest")["fieldViolations"]![0]!["field"]!.GetValue<string>());
    }

    [Fact]
    public async Task Every_service_publishes_an_openapi_document_of_its_json_routes_with_their_proto_comments()
    {
        foreach (var (service, path) in new[]
        {
            ("identity", "/v1/identity:login"), ("permissions", "/v1/permissions/requests"), ("records", "/v1/records/{recordId}"),
            ("imagenft", "/v1/images/tokens/{tokenId}"), ("fabricgateway", "/v1/fabric-gateway/doctors"),
        })
        {
            var document = await JsonAsync(await SendAsync(HttpMethod.Get, service, "/openapi/v1.json", token: null));
            foreach (var (method, operation) in document["paths"]![path]!.AsObject())
            {
                Assert.False(string.IsNullOrWhiteSpace(operation!["description"]?.GetValue<string>()), $"{service} {method} {path} has no description");
            }

            Assert.Equal("bearer", document["components"]!["securitySchemes"]!["bearer"]!["scheme"]!.GetValue<string>());
        }

        var records = await JsonAsync(await SendAsync(HttpMethod.Get, "records", "/openapi/v1.json", token: null));
        Assert.Contains("PERMISSION_DENIED", records["paths"]!["/v1/records/{recordId}"]!["get"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Grpc_web_calls_register_log_in_grant_access_and_write_and_read_a_record()
    {
        using var identityChannel = GrpcWebChannel("identity");
        using var permissionsChannel = GrpcWebChannel("permissions");
        using var recordsChannel = GrpcWebChannel("records");
        var identity = new IdentityApi.IdentityClient(identityChannel);
        var permissions = new PermissionsApi.PermissionsClient(permissionsChannel);
        var records = new RecordsApi.RecordsClient(recordsChannel);
        var doctorDocument = Api.NewDocument();
        await Api.EnrollDoctorAtHospitalAsync(Api.HospitalA, doctorDocument);

        async Task<LoginResponse> RegisterAndLogIn(string name, string document, Role role)
        {
            await identity.RegisterAsync(new RegisterRequest
            {
                IdentityDocumentNumber = document, FirstName = name, LastName = "Tester", Email = $"{name.ToLowerInvariant()}@example.org",
                Password = "correct horse " + name, RequestedRole = role,
            }, deadline: Deadline());
            return await identity.LoginAsync(new LoginRequest
            {
                DocumentAndRole = new DocumentAndRole { IdentityDocumentNumber = document, Role = role }, Password = "correct horse " + name,
            }, deadline: Deadline());
        }

        var patient = await RegisterAndLogIn("Wanda", Api.NewDocument(), Role.Patient);
        var doctor = await RegisterAndLogIn("Wolf", doctorDocument, Role.Doctor);
        var requested = await permissions.RequestAccessAsync(new RequestAccessRequest { PatientAccountId = patient.AccountId }, Bearer(doctor.AccessToken), Deadline());
        await permissions.ApproveAccessAsync(new ApproveAccessRequest { RequestId = requested.Request.RequestId }, Bearer(patient.AccessToken), Deadline());
        var has = await permissions.HasPermissionAsync(new HasPermissionRequest
        {
            PatientAccountId = patient.AccountId, DoctorAccountId = doctor.AccountId, Consistency = ReadConsistency.Chain,
        }, Bearer(doctor.AccessToken), Deadline());
        Assert.True(has.HasPermission);

        var created = await records.CreateRecordAsync(new CreateRecordRequest { PatientAccountId = patient.AccountId, Document = SampleDocument() },
            Bearer(doctor.AccessToken), Deadline());
        var read = await records.GetRecordAsync(new GetRecordRequest { RecordId = created.RecordId }, Bearer(patient.AccessToken), Deadline());
        Assert.Equal(SampleDocument(), read.Record.Document);

        var anonymous = await Assert.ThrowsAsync<RpcException>(async () => await identity.GetAccountAsync(new GetAccountRequest(), deadline: Deadline()));
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);
        Assert.Contains("access token", anonymous.Status.Detail, StringComparison.Ordinal);
        var forbidden = await Assert.ThrowsAsync<RpcException>(async () => await records.CreateRecordAsync(
            new CreateRecordRequest { PatientAccountId = patient.AccountId, Document = SampleDocument() }, Bearer(patient.AccessToken), Deadline()));
        Assert.Equal(StatusCode.PermissionDenied, forbidden.StatusCode);
        var invalid = await Assert.ThrowsAsync<RpcException>(async () => await permissions.RequestAccessAsync(
            new RequestAccessRequest { PatientAccountId = "not-an-account" }, Bearer(doctor.AccessToken), Deadline()));
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.Contains("patient_account_id", invalid.Status.Detail, StringComparison.Ordinal);
        var details = invalid.GetRpcStatus()!;
        Assert.Equal("INVALID_ARGUMENT", details.GetDetail<Google.Rpc.ErrorInfo>().Reason);
        Assert.Equal("patient_account_id", Assert.Single(details.GetDetail<Google.Rpc.BadRequest>().FieldViolations).Field);
        Assert.Equal("UNAUTHENTICATED", anonymous.GetRpcStatus()!.GetDetail<Google.Rpc.ErrorInfo>().Reason);
    }

    public void Dispose() => _http.Dispose();

    /// <summary>The detail of a JSON google.rpc.Status whose "@type" is google.rpc.<paramref name="type"/>.</summary>
    private static JsonNode Detail(JsonObject status, string type) =>
        status["details"]!.AsArray().Single(d => d!["@type"]!.GetValue<string>() == "type.googleapis.com/google.rpc." + type)!;

    private static DateTime Deadline() => DateTime.UtcNow.AddSeconds(60);

    private static Metadata Bearer(string token) => new() { { "authorization", "Bearer " + token } };

    /// <summary>A gRPC-Web channel over HTTP/1.1, as a browser frontend's client library talks to the http endpoint.</summary>
    private GrpcChannel GrpcWebChannel(string service) =>
        GrpcChannel.ForAddress(System.HttpAddressOf(service), new GrpcChannelOptions
        {
            HttpHandler = new GrpcWebHandler(GrpcWebMode.GrpcWebText, new HttpClientHandler()),
            HttpVersion = HttpVersion.Version11,
            HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        });

    private async Task<(string AccountId, string Token)> RegisterAndLogInAsync(string name, string document, string role)
    {
        var password = "correct horse " + name;
        await JsonAsync(await SendAsync(HttpMethod.Post, "identity", "/v1/identity/accounts", null, new JsonObject
        {
            ["identityDocumentNumber"] = document, ["firstName"] = name, ["lastName"] = "Tester", ["email"] = $"{name.ToLowerInvariant()}@example.org",
            ["password"] = password, ["requestedRole"] = role,
        }));
        var login = await JsonAsync(await SendAsync(HttpMethod.Post, "identity", "/v1/identity:login", null, new JsonObject
        {
            ["documentAndRole"] = new JsonObject { ["identityDocumentNumber"] = document, ["role"] = role }, ["password"] = password,
        }));
        return (login["accountId"]!.GetValue<string>(), login["accessToken"]!.GetValue<string>());
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string service, string path, string? token, JsonObject? body = null,
        (string Name, string Value)[]? headers = null)
    {
        var request = new HttpRequestMessage(method, new Uri(new Uri(System.HttpAddressOf(service)), path)) { Version = HttpVersion.Version11 };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.Add(name, value);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await _http.SendAsync(request);
    }

    private static async Task<JsonObject> JsonAsync(HttpResponseMessage response, bool expectSuccess = true)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (expectSuccess)
        {
            Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {text}");
        }

        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonNode.Parse(text)!.AsObject();
    }
}

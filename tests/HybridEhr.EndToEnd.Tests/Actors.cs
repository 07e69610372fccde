using Google.Protobuf;
using HybridEhr.Contracts.Common.V1;
using HybridEhr.Contracts.FabricGateway.V1;
using HybridEhr.Contracts.Identity.V1;
using Grpc.Core;
using HybridEhr.Testing;
using Grpc.Net.Client;

namespace HybridEhr.EndToEnd.Tests;

/// <summary>A person signed in: their account and access token.</summary>
public sealed record Actor(string Name, string AccountId, string Token, string DocumentNumber, string Password);

/// <summary>The public APIs of the running system, and the steps the paper's actors take with them.</summary>
/// <param name="hospitalA">The MSP id of the first hospital (the devnet's HospitalAMSP; on a real Fabric network, its own).</param>
public sealed class Api(SystemUnderTest system, string hospitalA = "HospitalAMSP", string hospitalB = "HospitalBMSP")
{
    public SystemUnderTest System => system;

    public string HospitalA => hospitalA;

    public string HospitalB => hospitalB;

    public ServiceClient Identity { get; } = Client(system, "identity", IdentityReflection.Descriptor.Services[0]);

    public ServiceClient Permissions { get; } = Client(system, "permissions", Contracts.Permissions.V1.PermissionsReflection.Descriptor.Services[0]);

    public ServiceClient Records { get; } = Client(system, "records", Contracts.Records.V1.RecordsReflection.Descriptor.Services[0]);

    public ServiceClient Images { get; } = Client(system, "imagenft", Contracts.ImageNft.V1.ImageNftReflection.Descriptor.Services[0]);

    public ServiceClient FabricGateway { get; } = Client(system, "fabricgateway", FabricGatewayReflection.Descriptor.Services[0]);

    public static string NewDocument() => "D" + Random.Shared.NextInt64(10_000_000, 99_999_999).ToString(global::System.Globalization.CultureInfo.InvariantCulture);

    public async Task<Actor> RegisterPatientAsync(string name, string? document = null)
    {
        document ??= NewDocument();
        return await RegisterAsync(name, document, Role.Patient);
    }

    /// <summary>The hospital declares the document as one of its doctors, then the doctor registers.</summary>
    public async Task<Actor> RegisterDoctorAsync(string name, string? hospital = null, string? document = null)
    {
        hospital ??= HospitalA;
        document ??= NewDocument();
        await EnrollDoctorAtHospitalAsync(hospital, document);
        return await RegisterAsync(name, document, Role.Doctor);
    }

    public async Task EnrollDoctorAtHospitalAsync(string hospital, string document)
    {
        using var channel = GrpcChannel.ForAddress(system.AddressOf("fabricgateway"));
        await new FabricGateway.FabricGatewayClient(channel).EnrollDoctorAsync(new EnrollDoctorRequest { OrganisationMspId = hospital, IdentityDocumentNumber = document },
            new CallOptions(headers: new Metadata { { "x-admin-key", SystemUnderTest.AdminKey } }, deadline: DateTime.UtcNow.AddSeconds(30)));
    }

    public async Task<Actor> RegisterAsync(string name, string document, Role role)
    {
        var password = "correct horse " + name;
        await Identity.Call<RegisterRequest, RegisterResponse>(new RegisterRequest
        {
            IdentityDocumentNumber = document,
            FirstName = name,
            LastName = "Tester",
            Email = $"{name.ToLowerInvariant()}@example.org",
            Password = password,
            RequestedRole = role,
        });
        return await LoginAsync(name, document, role, password);
    }

    public async Task<Actor> LoginAsync(string name, string document, Role role, string password)
    {
        var login = await Identity.Call<LoginRequest, LoginResponse>(new LoginRequest
        {
            DocumentAndRole = new DocumentAndRole { IdentityDocumentNumber = document, Role = role },
            Password = password,
        });
        return new Actor(name, login.AccountId, login.AccessToken, document, password);
    }

    private static ServiceClient Client(SystemUnderTest system, string name, Google.Protobuf.Reflection.ServiceDescriptor service) =>
        new(system.AddressOf(name), service);
}

public static class RpcAssert
{
    /// <summary>Asserts that <paramref name="call"/> fails with exactly <paramref name="expected"/>, and returns the error.</summary>
    public static async Task<RpcException> FailsWith(StatusCode expected, Func<Task> call)
    {
        var error = await Xunit.Assert.ThrowsAsync<RpcException>(call);
        Xunit.Assert.True(error.StatusCode == expected, $"expected {expected}, got {error.StatusCode}: {error.Status.Detail}");
        Xunit.Assert.False(string.IsNullOrWhiteSpace(error.Status.Detail), "the status has no message for a person");
        return error;
    }
}

public static class Bytes
{
    /// <summary>A small but real PNG header followed by pseudo-random bytes: passes a magic-number check.</summary>
    public static byte[] Png(int size, int seed = 1)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        byte[] signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        signature.CopyTo(bytes, 0);
        return bytes;
    }

    public static ByteString Chunk(byte[] bytes, int offset, int length) => ByteString.CopyFrom(bytes, offset, length);
}

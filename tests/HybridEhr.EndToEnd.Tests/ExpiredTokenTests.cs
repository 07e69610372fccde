using HybridEhr.Contracts.Identity.V1;
using HybridEhr.Contracts.Records.V1;
using Grpc.Core;
using Xunit;

namespace HybridEhr.EndToEnd.Tests;

[CollectionDefinition(Name)]
public sealed class ShortLivedTokensCollection : ICollectionFixture<ShortLivedTokensSystemFixture>
{
    public const string Name = "short-lived tokens system";
}

/// <summary>A genuine token from Identity stops working everywhere once it expires.</summary>
[Collection(ShortLivedTokensCollection.Name)]
public sealed class ExpiredTokenTests(ShortLivedTokensSystemFixture fixture) : EndToEndTest(fixture)
{
    [Fact]
    public async Task An_expired_token_is_unauthenticated_with_a_message_saying_so()
    {
        var patient = await Api.RegisterPatientAsync("Quinn");

        await Task.Delay(TimeSpan.FromSeconds(2.5));

        var identity = await RpcAssert.FailsWith(StatusCode.Unauthenticated,
            () => Api.Identity.Call<GetMyRoleRequest, GetMyRoleResponse>(new GetMyRoleRequest(), patient.Token));
        Assert.Contains("expired", identity.Status.Detail, StringComparison.OrdinalIgnoreCase);
        var records = await RpcAssert.FailsWith(StatusCode.Unauthenticated,
            () => Api.Records.Call<ListRecordsRequest, ListRecordsResponse>(new ListRecordsRequest { PatientAccountId = patient.AccountId }, patient.Token));
        Assert.Contains("expired", records.Status.Detail, StringComparison.OrdinalIgnoreCase);

        // Logging in again gives a fresh token that works.
        var again = await Api.LoginAsync("Quinn", patient.DocumentNumber, Contracts.Common.V1.Role.Patient, patient.Password);
        var role = await Api.Identity.Call<GetMyRoleRequest, GetMyRoleResponse>(new GetMyRoleRequest(), again.Token);
        Assert.Equal(Contracts.Common.V1.Role.Patient, role.Role);
    }
}

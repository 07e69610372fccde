using System.Text.Json.Nodes;

namespace HybridEhr.Devnet.Ledger.Tests;

public sealed class MembershipTests
{
    private const string Membership = "_membership";

    [Fact]
    public async Task Enrolled_members_get_organisation_and_attributes_from_the_ledger_not_from_arguments()
    {
        using var directory = new TempDirectory();
        var admin = DevnetKey.Generate();
        var doctor = DevnetKey.Generate();
        var genesis = new GenesisConfig(TestChain.ChainId, [new OrganizationConfig("Hospital1MSP", [admin.AccountId])], RequireEnrollment: true);
        await using var ledger = await TestChain.OpenAsync(directory.Path, genesis: genesis);

        var enrol = await ledger.SubmitAsync(TestChain.Tx(admin, 1, "enroll",
            new JsonObject { ["account"] = doctor.AccountId, ["attributes"] = new JsonObject { ["role"] = "doctor", ["document"] = "12345678" } },
            contract: Membership));
        var whoami = await ledger.SubmitAsync(TestChain.Tx(doctor, 1, "whoami",
            new JsonObject { ["organization"] = "Hospital2MSP", ["role"] = "admin" }));

        Assert.True(enrol.IsValid, enrol.Message);
        Assert.Equal("MemberEnrolled", Assert.Single(enrol.Events).Name);
        var identity = JsonNode.Parse(whoami.ResultJson!)!;
        Assert.Equal(doctor.AccountId, identity["account"]!.GetValue<string>());
        Assert.Equal("Hospital1MSP", identity["organization"]!.GetValue<string>());
        Assert.Equal("doctor", identity["attributes"]!["role"]!.GetValue<string>());
        Assert.Equal("12345678", identity["attributes"]!["document"]!.GetValue<string>());
        var resolved = ledger.ResolveIdentity(doctor.AccountId);
        Assert.Equal("Hospital1MSP", resolved.Organization);
        Assert.Equal(MembershipRoles.OrganizationAdmin, ledger.ResolveIdentity(admin.AccountId).Attributes["role"]);
    }

    [Fact]
    public async Task On_a_permissioned_chain_unknown_signers_are_refused_and_only_admins_enrol()
    {
        using var directory = new TempDirectory();
        var admin = DevnetKey.Generate();
        var stranger = DevnetKey.Generate();
        var genesis = new GenesisConfig(TestChain.ChainId, [new OrganizationConfig("Hospital1MSP", [admin.AccountId])], RequireEnrollment: true);
        await using var ledger = await TestChain.OpenAsync(directory.Path, genesis: genesis);

        var unknownCaller = await ledger.SubmitAsync(TestChain.Put(stranger, 1, "k", "v"));
        var selfEnrol = await ledger.SubmitAsync(TestChain.Tx(stranger, 2, "enroll", new JsonObject { ["account"] = stranger.AccountId }, contract: Membership));

        Assert.Equal(ValidationCode.UnknownIdentity, unknownCaller.Code);
        Assert.Equal("UNKNOWN_IDENTITY", unknownCaller.CodeName);
        Assert.Equal(-1, unknownCaller.BlockHeight);
        Assert.Equal(ValidationCode.UnknownIdentity, selfEnrol.Code);
        Assert.Null(TestChain.Get(ledger, "k"));
    }

    [Fact]
    public async Task On_an_open_chain_any_key_is_an_account_and_cannot_enrol_itself()
    {
        using var directory = new TempDirectory();
        var admin = DevnetKey.Generate();
        var user = DevnetKey.Generate();
        var genesis = new GenesisConfig(TestChain.ChainId, [new OrganizationConfig("Hospital1MSP", [admin.AccountId])]);
        await using var ledger = await TestChain.OpenAsync(directory.Path, genesis: genesis);

        var whoami = await ledger.SubmitAsync(TestChain.Tx(user, 1, "whoami", []));
        var selfEnrol = await ledger.SubmitAsync(TestChain.Tx(user, 2, "enroll", new JsonObject { ["account"] = user.AccountId }, contract: Membership));

        var identity = JsonNode.Parse(whoami.ResultJson!)!;
        Assert.Null(identity["organization"]);
        Assert.Equal(user.AccountId, identity["account"]!.GetValue<string>());
        Assert.Equal(ValidationCode.ContractError, selfEnrol.Code);
        Assert.Equal("NOT_ORG_ADMIN", selfEnrol.ErrorCode);
        Assert.Null(ledger.ResolveIdentity(user.AccountId).Organization);
    }

    [Fact]
    public async Task Admin_roles_come_from_genesis_only()
    {
        using var directory = new TempDirectory();
        var admin = DevnetKey.Generate();
        var networkAdmin = DevnetKey.Generate();
        var member = DevnetKey.Generate();
        var genesis = new GenesisConfig(TestChain.ChainId, [new OrganizationConfig("Hospital1MSP", [admin.AccountId])],
            RequireEnrollment: true, NetworkAdminAccountIds: [networkAdmin.AccountId]);
        await using var ledger = await TestChain.OpenAsync(directory.Path, genesis: genesis);

        var escalate = await ledger.SubmitAsync(TestChain.Tx(admin, 1, "enroll",
            new JsonObject { ["account"] = member.AccountId, ["attributes"] = new JsonObject { ["role"] = MembershipRoles.NetworkAdmin } },
            contract: Membership));
        var networkWhoami = await ledger.SubmitAsync(TestChain.Tx(networkAdmin, 1, "whoami", []));

        Assert.Equal("RESERVED_ROLE", escalate.ErrorCode);
        Assert.Equal(ValidationCode.UnknownIdentity, (await ledger.SubmitAsync(TestChain.Tx(member, 1, "whoami", []))).Code);
        Assert.True(networkWhoami.IsValid);
        Assert.Equal(MembershipRoles.NetworkAdmin, JsonNode.Parse(networkWhoami.ResultJson!)!["attributes"]!["role"]!.GetValue<string>());
    }

    [Fact]
    public async Task Revoked_members_lose_their_identity()
    {
        using var directory = new TempDirectory();
        var admin = DevnetKey.Generate();
        var member = DevnetKey.Generate();
        var genesis = new GenesisConfig(TestChain.ChainId, [new OrganizationConfig("Hospital1MSP", [admin.AccountId])], RequireEnrollment: true);
        await using var ledger = await TestChain.OpenAsync(directory.Path, genesis: genesis);

        await ledger.SubmitAsync(TestChain.Tx(admin, 1, "enroll", new JsonObject { ["account"] = member.AccountId }, contract: Membership));
        Assert.True((await ledger.SubmitAsync(TestChain.Put(member, 1, "k", "v"))).IsValid);
        Assert.True((await ledger.SubmitAsync(TestChain.Tx(admin, 2, "revoke", new JsonObject { ["account"] = member.AccountId }, contract: Membership))).IsValid);

        Assert.Equal(ValidationCode.UnknownIdentity, (await ledger.SubmitAsync(TestChain.Put(member, 2, "k", "w"))).Code);
        Assert.Equal("null", ledger.Query(Membership, "get_member", new JsonObject { ["account"] = member.AccountId }, admin.AccountId).ResultJson ?? "null");
    }
}

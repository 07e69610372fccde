using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using HybridEhr.Clients.Devnet;
using HybridEhr.Clients.Fabric;
using HybridEhr.Clients.Fabric.Tests;
using HybridEhr.FabricGateway.Hospitals;
using HybridEhr.FabricGateway.Identities;
using HybridEhr.FabricGateway.Ledger;
using Grpc.Core;
using Xunit;
using Grpc.Net.Client;

namespace HybridEhr.FabricGateway.Tests;

/// <summary>
/// The gateway as the hospitals' enrolment authority: doctors and administrators get their own identities, and
/// FabricRecordsLedger signs each call as the acting user (checked by the fake gateway peer, which verifies every
/// signature against the creator's certificate and records who signed).
/// </summary>
public sealed class FabricMembersTests : IClassFixture<PlainFakeGateway>, IDisposable
{
    private static readonly string DoctorAccount = "0x" + new string('d', 64);
    private static readonly string PatientAccount = "0x" + new string('e', 64);
    private static readonly string DocumentHash = new('a', 64);

    private readonly PlainFakeGateway _server;
    private readonly string _directory = Directory.CreateTempSubdirectory("fabric-members-").FullName;
    private readonly WalletKey _walletKey = new(RandomNumberGenerator.GetBytes(32));
    private readonly TestCertificateAuthority _caA = TestCertificateAuthority.Create("HospitalAMSP");
    private readonly TestCertificateAuthority _caB = TestCertificateAuthority.Create("HospitalBMSP", "hospitalb.example.com");
    private readonly TestCredentials _gatewayIdentity = TestCredentials.Create("fabricgateway", "HospitalAMSP");
    private readonly GrpcChannel _channel;

    public FabricMembersTests(PlainFakeGateway server)
    {
        _server = server;
        _server.State.Reset();
        _channel = FabricChannels.Create(server.Address);
    }

    [Fact]
    public void EnrollingADoctorIssuesACertificateOfItsHospitalWithItsAttributesAndAccount()
    {
        var members = Members();

        var receipt = members.Enroll(members.AdminOf("HospitalBMSP"), DoctorAccount, DoctorAttributes());

        var doctor = Wallet().Find(DoctorAccount);
        Assert.NotNull(doctor);
        Assert.Equal(("HospitalBMSP", "doctor"), (doctor.MspId, doctor.Role));
        using var certificate = X509Certificate2.CreateFromPem(doctor.CertificatePem);
        var attributes = FabricCertificateAuthority.AttributesOf(certificate);
        Assert.Equal("doctor", attributes["role"]);
        Assert.Equal(DocumentHash, attributes["document_id_hash"]);
        Assert.Equal(DoctorAccount, attributes["account_id"]);
        Assert.Equal(new string('d', 64), attributes["hf.EnrollmentID"]);
        Assert.Equal("client", attributes["hf.Type"]);
        Assert.Contains($"CN={new string('d', 64)}", certificate.Subject, StringComparison.Ordinal);
        Assert.Equal($"x509:HospitalBMSP:{certificate.SerialNumber.ToLowerInvariant()}", receipt.TxId);
    }

    [Fact]
    public void EnrollingAgainReturnsTheSameIdentityAndAnotherDocumentGetsANewOne()
    {
        var members = Members();
        var first = members.Enroll(members.AdminOf("HospitalAMSP"), DoctorAccount, DoctorAttributes());

        Assert.Equal(first.TxId, Members().Enroll(members.AdminOf("HospitalAMSP"), DoctorAccount, DoctorAttributes()).TxId);
        var moved = members.Enroll(members.AdminOf("HospitalBMSP"), DoctorAccount, DoctorAttributes());
        Assert.NotEqual(first.TxId, moved.TxId);
        Assert.Equal("HospitalBMSP", Wallet().Find(DoctorAccount)!.MspId);
    }

    [Fact]
    public void AdministratorsAreIssuedOncePerOrganisationAndKeptAcrossRestarts()
    {
        var admin = (FabricMemberSigner)Members().AdminOf("HospitalAMSP");
        var networkAdmin = (FabricMemberSigner)Members().NetworkAdmin;

        Assert.Equal(("HospitalAMSP", "org_admin"), (admin.Member.MspId, admin.Member.Role));
        Assert.Equal(FabricMembers.AdministratorAccountOf("org_admin", "HospitalAMSP"), admin.AccountId);
        Assert.Equal("network_admin", networkAdmin.Member.Role);
        Assert.Equal("HospitalAMSP", networkAdmin.Member.MspId); // the gateway's own organisation's CA
        Assert.Equal(admin.Member.CertificatePem, ((FabricMemberSigner)Members().AdminOf("HospitalAMSP")).Member.CertificatePem);
        Assert.Equal(["HospitalAMSP", "HospitalBMSP"], Members().Hospitals);
    }

    [Fact]
    public void AConfiguredIdentityThatAlreadyHasTheRoleIsUsedAsIs()
    {
        using var networkAdmin = TestCredentials.Create("admin", "HospitalAMSP", new Dictionary<string, string> { ["role"] = "network_admin" });
        var members = Members(networkAdmin);

        Assert.Equal(networkAdmin.CertificatePem, ((FabricMemberSigner)members.NetworkAdmin).Member.CertificatePem);
        Assert.NotEqual(networkAdmin.CertificatePem, ((FabricMemberSigner)members.AdminOf("HospitalAMSP")).Member.CertificatePem);
    }

    [Fact]
    public void AnOrganisationWithoutACaIsUnknown()
    {
        var error = Assert.Throws<RpcException>(() => Members().AdminOf("HospitalCMSP"));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("HospitalAMSP, HospitalBMSP", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutCasTheGatewayIdentityDoesEverythingAndEnrolmentIsAPrecondition()
    {
        var members = new FabricMembers(ServiceMember(_gatewayIdentity), [], null, Connect);

        Assert.Equal(["HospitalAMSP"], members.Hospitals);
        Assert.Equal(_gatewayIdentity.CertificatePem, ((FabricMemberSigner)members.AdminOf("HospitalAMSP")).Member.CertificatePem);
        var error = Assert.Throws<RpcException>(() => members.Enroll(members.AdminOf("HospitalAMSP"), DoctorAccount, DoctorAttributes()));
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("FabricGateway:Fabric:CertificateAuthorities", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutCasEveryTransactionIsSignedByTheGatewayIdentity()
    {
        var members = new FabricMembers(ServiceMember(_gatewayIdentity), [], null, Connect);

        await Ledger(members).SubmitAsync(new AccountOnlySigner(DoctorAccount), "create_record", new JsonObject(), CancellationToken.None);

        Assert.Equal(_gatewayIdentity.CertificatePem, Assert.Single(_server.State.Creators).IdBytes.ToStringUtf8());
    }

    [Fact]
    public async Task ADoctorsTransactionIsSignedWithTheDoctorsOwnCertificate()
    {
        var members = Members();
        members.Enroll(members.AdminOf("HospitalAMSP"), DoctorAccount, DoctorAttributes());
        var ledger = Ledger(members);

        await ledger.SubmitAsync(new AccountOnlySigner(DoctorAccount), "create_record", new JsonObject { ["record_id"] = "ehr-1" }, CancellationToken.None);

        var creator = Assert.Single(_server.State.Creators);
        Assert.Equal("HospitalAMSP", creator.Mspid);
        Assert.Equal(Wallet().Find(DoctorAccount)!.CertificatePem, creator.IdBytes.ToStringUtf8());
    }

    [Fact]
    public async Task HospitalAdministrationSignsAsTheOrganisationsAdministrator()
    {
        var members = Members();
        var ledger = Ledger(members);
        var hospitals = new HospitalAdministration(ledger, members);

        await hospitals.EnrollDoctorAsync("HospitalBMSP", DocumentHash, CancellationToken.None);
        await hospitals.EnsureOrganizationsAsync(CancellationToken.None);

        var creators = _server.State.Creators.ToArray();
        Assert.Equal(3, creators.Length);
        Assert.Equal("org_admin", RoleOf(creators[0]));
        Assert.Equal("HospitalBMSP", creators[0].Mspid);
        Assert.All(creators[1..], c => Assert.Equal("network_admin", RoleOf(c)));
    }

    [Fact]
    public async Task AUserWithoutAFabricIdentityCannotWriteButReadsAsTheGateway()
    {
        var ledger = Ledger(Members());

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            ledger.SubmitAsync(new AccountOnlySigner(PatientAccount), "create_record", new JsonObject(), CancellationToken.None));
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains($"Account {PatientAccount} has no Fabric identity", error.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(_server.State.Calls);

        await ledger.EvaluateAsync(PatientAccount, "get_record", new JsonObject { ["record_id"] = "ehr-1" }, CancellationToken.None);
        Assert.Equal(_gatewayIdentity.CertificatePem, Assert.Single(_server.State.Creators).IdBytes.ToStringUtf8());
    }

    [Fact]
    public async Task ADoctorsQueriesRunAsTheDoctor()
    {
        var members = Members();
        members.Enroll(members.AdminOf("HospitalAMSP"), DoctorAccount, DoctorAttributes());

        await Ledger(members).EvaluateAsync(DoctorAccount, "get_record", new JsonObject { ["record_id"] = "ehr-1" }, CancellationToken.None);

        Assert.Equal("doctor", RoleOf(Assert.Single(_server.State.Creators)));
    }

    /// <summary>The official Node protos decode the proposal the doctor's wallet identity signed, and verify its signature.</summary>
    [Fact]
    public async Task TheOfficialProtosVerifyAProposalSignedByAWalletIdentity()
    {
        var members = Members();
        members.Enroll(members.AdminOf("HospitalAMSP"), DoctorAccount, DoctorAttributes());
        await Ledger(members).SubmitAsync(new AccountOnlySigner(DoctorAccount), "create_record", new JsonObject { ["record_id"] = "ehr-9" }, CancellationToken.None);
        var proposal = _server.State.LastEndorsedProposal!;

        var decoded = NodeCrossCheck.Run("decode-proposal", new { proposedTransaction = Convert.ToBase64String(Google.Protobuf.MessageExtensions.ToByteArray(proposal)) });

        var header = decoded["header"]!.AsObject();
        Assert.Equal("HospitalAMSP", (string?)header["creatorMspId"]);
        Assert.Equal(Wallet().Find(DoctorAccount)!.CertificatePem, (string?)header["creatorCertificatePem"]);
        Assert.Equal(proposal.TransactionId, (string?)header["computedTransactionId"]);
        Assert.True((bool)decoded["signature"]!["verifies"]!, "the official side verifies the wallet identity's signature");
        Assert.True((bool)decoded["signature"]!["lowS"]!);
        Assert.Equal(["records:create_record", """{"record_id":"ehr-9"}"""], decoded["arguments"]!.AsArray().Select(a => (string)a!));
    }

    public void Dispose()
    {
        _channel.Dispose();
        _gatewayIdentity.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static Dictionary<string, string> DoctorAttributes() => new() { ["role"] = "doctor", ["document_id_hash"] = DocumentHash };

    private FabricMembers Members(TestCredentials? gatewayIdentity = null) =>
        new(ServiceMember(gatewayIdentity ?? _gatewayIdentity), [_caA.Open(), _caB.Open()], Wallet(), Connect);

    private FabricWallet Wallet() => new(_directory, _walletKey);

    private Network Connect(FabricMember member) => FabricMembers.Connector(_channel, "ehr")(member);

    private FabricRecordsLedger Ledger(FabricMembers members) =>
        new(members.NetworkOf(members.Service), "records", "records", members);

    private static FabricMember ServiceMember(TestCredentials credentials) =>
        FabricMembers.ServiceIdentity(credentials.MspId, credentials.CertificatePem, credentials.PrivateKeyPem);

    private static string? RoleOf(Msp.SerializedIdentity creator)
    {
        using var certificate = X509Certificate2.CreateFromPem(creator.IdBytes.ToStringUtf8());
        return FabricCertificateAuthority.AttributesOf(certificate).GetValueOrDefault("role");
    }

    /// <summary>What FabricGatewayService passes for a user: it names the account; on Fabric it must never be asked to sign.</summary>
    private sealed class AccountOnlySigner(string accountId) : ITransactionSigner
    {
        public string AccountId => accountId;

        public byte[] PublicKey => [];

        public ValueTask<byte[]> SignAsync(byte[] payload, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("On Fabric the wallet identity signs, never the devnet signer.");
    }
}

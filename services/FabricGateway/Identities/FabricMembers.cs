using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using HybridEhr.Clients.Devnet;
using HybridEhr.Clients.Fabric;
using HybridEhr.FabricGateway.Hospitals;
using HybridEhr.FabricGateway.Ledger;
using Grpc.Core;

namespace HybridEhr.FabricGateway.Identities;

/// <summary>
/// Who signs on a real Fabric network, per acting user. The gateway is the hospitals' enrolment authority: with each
/// organisation's CA (<see cref="FabricCertificateAuthority"/>) it issues
/// <list type="bullet">
/// <item>each doctor, when Identity enrols them (EnrollMember), a certificate with role=doctor, their document hash and
/// account_id = their permission-chain account, so the chaincode's author/minted_by are the account the other services know;</item>
/// <item>each organisation an org_admin identity (enrol_doctor), and the network a network_admin identity
/// (register_organization), unless the configured gateway identity already carries that role;</item>
/// </list>
/// and keeps them in the <see cref="FabricWallet"/>. Anyone without a wallet identity (patients, services) reads as
/// the configured gateway identity; the chaincode's queries check no role.
/// </summary>
public sealed class FabricMembers : IHospitalAdministrators
{
    public const string DoctorRole = "doctor";
    public const string OrganizationAdminRole = "org_admin";
    public const string NetworkAdminRole = "network_admin";

    private readonly FabricMember _service;
    private readonly IReadOnlyList<FabricCertificateAuthority> _authorities;
    private readonly FabricWallet? _wallet;
    private readonly Func<FabricMember, Network> _connect;
    private readonly ConditionalWeakTable<FabricMember, Network> _networks = [];
    private readonly ConcurrentDictionary<string, FabricMemberSigner> _administrators = new(StringComparer.Ordinal);
    private readonly Lock _issuing = new();

    /// <param name="service">The configured gateway identity (FabricGateway:Fabric:MspId, CertPath, KeyPath).</param>
    /// <param name="authorities">The hospitals' CAs; none = the gateway's single identity signs everything (no enrolment).</param>
    /// <param name="wallet">Where issued identities live; required when there are authorities.</param>
    /// <param name="connect">The network (channel) as one identity, over the shared connection to the peer.</param>
    public FabricMembers(FabricMember service, IReadOnlyList<FabricCertificateAuthority> authorities, FabricWallet? wallet, Func<FabricMember, Network> connect)
    {
        if (authorities.Count > 0 && wallet is null)
        {
            throw new ArgumentException("Issued identities need a wallet.", nameof(wallet));
        }

        var duplicate = authorities.GroupBy(a => a.MspId, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Two certificate authorities are configured for {duplicate.Key}.", nameof(authorities));
        }

        _service = service;
        _authorities = authorities;
        _wallet = wallet;
        _connect = connect;
    }

    /// <summary>The configured gateway identity: events, health, and the reads of callers without their own identity.</summary>
    public FabricMember Service => _service;

    /// <summary>Whether the gateway issues identities (certificate authorities are configured).</summary>
    public bool IsEnrolmentAuthority => _authorities.Count > 0;

    /// <summary>The organisations served: those with a configured CA, or the gateway's own.</summary>
    public IReadOnlyList<string> Hospitals => IsEnrolmentAuthority ? [.. _authorities.Select(a => a.MspId)] : [_service.MspId];

    /// <summary>Registers organisations: the gateway identity when it is a network admin (or the only identity), else an issued one.</summary>
    public ITransactionSigner NetworkAdmin => _administrators.GetOrAdd("network", _ =>
        !IsEnrolmentAuthority || _service.Role == NetworkAdminRole
            ? new FabricMemberSigner(_service)
            : new FabricMemberSigner(Administrator(NetworkAdminRole, AuthorityOf(_service.MspId) ?? _authorities[0])));

    /// <summary>Enrols a hospital's doctors: the gateway identity when it is that organisation's admin, else an issued one.</summary>
    public ITransactionSigner AdminOf(string mspId)
    {
        var authority = AuthorityOf(mspId);
        if (authority is null && (IsEnrolmentAuthority || mspId != _service.MspId))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"Unknown organisation '{mspId}'. Known: {string.Join(", ", Hospitals)}."));
        }

        return _administrators.GetOrAdd("admin:" + mspId, _ =>
            authority is null || (_service.MspId == mspId && _service.Role == OrganizationAdminRole)
                ? new FabricMemberSigner(_service)
                : new FabricMemberSigner(Administrator(OrganizationAdminRole, authority)));
    }

    /// <summary>
    /// The network as the identity that must sign for <paramref name="signer"/>: an administrator's own, or the wallet
    /// identity of the user's account; null when that account has none. Without CAs, always the configured identity.
    /// </summary>
    public Network? NetworkOf(ITransactionSigner signer) => signer switch
    {
        FabricMemberSigner member => NetworkOf(member.Member),
        _ when !IsEnrolmentAuthority => NetworkOf(_service),
        _ => _wallet!.Find(signer.AccountId) is { } found ? NetworkOf(found) : null,
    };

    /// <summary>The network as the account's wallet identity, or as the gateway identity when it has none (reads).</summary>
    public Network ReaderNetworkOf(string accountId) =>
        NetworkOf(_wallet?.Find(accountId) ?? _service);

    public Network NetworkOf(FabricMember member) => _networks.GetValue(member, m => _connect(m));

    /// <summary>
    /// Issues <paramref name="account"/> an enrolment certificate from the CA of the admin's organisation, with the
    /// given attributes (role, document_id_hash) plus account_id and Fabric CA's hf.* attributes, and keeps it in the
    /// wallet. Enrolling again with the same organisation and attributes returns the identity already issued.
    /// </summary>
    public CommittedTransaction Enroll(ITransactionSigner organizationAdmin, string account, IReadOnlyDictionary<string, string> attributes)
    {
        if (!IsEnrolmentAuthority)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                "On Fabric, membership comes from certificates, not transactions: the hospital's Fabric CA must issue the doctor an " +
                "enrolment certificate with the attributes role=doctor and document_id_hash=<the document hash>, or this gateway must " +
                "be given the CAs (FabricGateway:Fabric:CertificateAuthorities) to issue it itself (docs/fabric.md)."));
        }

        if (organizationAdmin is not FabricMemberSigner admin)
        {
            throw new ArgumentException("Members are enrolled by an organisation's administrator identity (AdminOf).", nameof(organizationAdmin));
        }

        var authority = AuthorityOf(admin.Member.MspId)
            ?? throw new RpcException(new Status(StatusCode.FailedPrecondition, $"No certificate authority is configured for {admin.Member.MspId}: this gateway cannot enrol its members."));
        var role = attributes.GetValueOrDefault("role") ?? DoctorRole;
        lock (_issuing)
        {
            var existing = _wallet!.Find(account);
            if (existing is not null && existing.MspId == authority.MspId && existing.Role == role && Carries(existing, attributes))
            {
                return Receipt(existing);
            }

            var issued = authority.Issue(EnrollmentIdOf(account), WithStandardAttributes(attributes, account));
            return Receipt(_wallet.Put(account, role, issued));
        }
    }

    /// <summary>The CN of a member's certificate: the account's 64 hex digits (an X.520 common name holds at most 64).</summary>
    public static string EnrollmentIdOf(string account) => account.StartsWith("0x", StringComparison.Ordinal) ? account[2..] : account;

    /// <summary>The gateway identity from its configured PEM files; its role is its certificate's role attribute.</summary>
    public static FabricMember ServiceIdentity(string mspId, string certificatePem, string privateKeyPem)
    {
        using var certificate = X509Certificate2.CreateFromPem(certificatePem);
        var attributes = FabricCertificateAuthority.AttributesOf(certificate);
        var key = ECDsa.Create();
        key.ImportFromPem(privateKeyPem);
        return new FabricMember(attributes.GetValueOrDefault("account_id") ?? "", mspId, attributes.GetValueOrDefault("role") ?? "", certificatePem, key);
    }

    /// <summary>Connects members over one gRPC channel to the peer: each gets its own Gateway (identity and signer).</summary>
    public static Func<FabricMember, Network> Connector(ChannelBase channel, string channelName) => member =>
        Gateway.Connect(new GatewayOptions
        {
            Channel = channel,
            Identity = Clients.Fabric.Identity.FromPem(member.MspId, member.CertificatePem),
            Signer = new EcdsaSigner(member.Key),
        }).GetNetwork(channelName);

    /// <summary>
    /// An administrator's stable account id. Deterministic per role and organisation, so a re-issued certificate keeps
    /// the account the chaincode records in registered_by / enrolled_by.
    /// </summary>
    public static string AdministratorAccountOf(string role, string mspId) =>
        "0x" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"hybridehr/fabric/{role}/{mspId}")));

    private FabricMember Administrator(string role, FabricCertificateAuthority authority)
    {
        var account = AdministratorAccountOf(role, authority.MspId);
        lock (_issuing)
        {
            if (_wallet!.Find(account) is { } existing && existing.MspId == authority.MspId && existing.Role == role)
            {
                return existing;
            }

            var enrollmentId = role == NetworkAdminRole ? "hybridehr-network-admin" : "hybridehr-org-admin";
            var issued = authority.Issue(enrollmentId, WithStandardAttributes(new Dictionary<string, string> { ["role"] = role }, account, enrollmentId));
            return _wallet.Put(account, role, issued);
        }
    }

    private FabricCertificateAuthority? AuthorityOf(string mspId) => _authorities.FirstOrDefault(a => a.MspId == mspId);

    /// <summary>What Fabric CA adds to every enrolment certificate (hf.*), and the account the chaincode should see.</summary>
    private static Dictionary<string, string> WithStandardAttributes(IReadOnlyDictionary<string, string> attributes, string account, string? enrollmentId = null)
    {
        var all = new Dictionary<string, string>(attributes.ToDictionary(), StringComparer.Ordinal)
        {
            ["account_id"] = account,
            ["hf.EnrollmentID"] = enrollmentId ?? EnrollmentIdOf(account),
            ["hf.Type"] = "client",
            ["hf.Affiliation"] = "",
        };
        return all;
    }

    private static bool Carries(FabricMember member, IReadOnlyDictionary<string, string> attributes)
    {
        using var certificate = X509Certificate2.CreateFromPem(member.CertificatePem);
        var present = FabricCertificateAuthority.AttributesOf(certificate);
        return attributes.All(a => present.GetValueOrDefault(a.Key) == a.Value) && certificate.NotAfter.ToUniversalTime() > DateTime.UtcNow.AddDays(1);
    }

    private static CommittedTransaction Receipt(FabricMember member)
    {
        using var certificate = X509Certificate2.CreateFromPem(member.CertificatePem);
        var result = new JsonObject
        {
            ["account"] = member.AccountId,
            ["organization"] = member.MspId,
            ["role"] = member.Role,
            ["serial_number"] = certificate.SerialNumber.ToLowerInvariant(),
            ["not_after"] = new DateTimeOffset(certificate.NotAfter.ToUniversalTime()).ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        };
        // Not a chain transaction: the "transaction id" names the certificate, which is what enrolment produced.
        return new CommittedTransaction($"x509:{member.MspId}:{certificate.SerialNumber.ToLowerInvariant()}", 0, 0, result.ToJsonString());
    }
}

/// <summary>
/// A hospital administrator on Fabric: carries the Fabric identity that signs, for <see cref="FabricRecordsLedger"/>.
/// It never signs devnet payloads.
/// </summary>
public sealed class FabricMemberSigner(FabricMember member) : ITransactionSigner
{
    public FabricMember Member => member;

    public string AccountId => member.AccountId;

    public byte[] PublicKey => [];

    public ValueTask<byte[]> SignAsync(byte[] payload, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("A Fabric identity signs Fabric proposals through the gateway client, not devnet transactions.");
}

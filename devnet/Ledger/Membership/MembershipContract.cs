using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using HybridEhr.Devnet.Ledger.State;

namespace HybridEhr.Devnet.Ledger.Membership;

/// <summary>
/// The built-in system contract "_membership": organisation admins (from genesis) enroll member keys with attributes,
/// as a Fabric CA registrar would. The ledger derives <see cref="CallerIdentity.Organization"/> and
/// <see cref="CallerIdentity.Attributes"/> of every signer from this state, never from transaction arguments.
/// </summary>
internal sealed class MembershipContract(GenesisConfig genesis) : IContract
{
    public const string ContractName = "_membership";
    private const string MemberKeyPrefix = "member/";

    public string Name => ContractName;

    public bool IsQuery(string function) => function is "get_member" or "list_members";

    public static string MemberKey(string accountId) => MemberKeyPrefix + accountId;

    public JsonNode? Invoke(IContractContext context, string function, JsonObject args) => function switch
    {
        "enroll" => Enroll(context, args),
        "revoke" => Revoke(context, args),
        "get_member" => GetMember(context, args),
        "list_members" => ListMembers(context, args),
        _ => throw new ContractException("UNKNOWN_FUNCTION", $"{ContractName} has no function '{function}'."),
    };

    /// <summary>
    /// Who <paramref name="accountId"/> is: an organisation admin or network admin from genesis, an enrolled member, or
    /// (<paramref name="isKnown"/> false) a plain account. <paramref name="readMember"/> reads the member record; the
    /// ledger records that read, so an enrolment or revocation earlier in the same block is an MVCC conflict.
    /// </summary>
    public CallerIdentity Resolve(string accountId, Func<string, VersionedValue?> readMember, out bool isKnown)
    {
        isKnown = true;
        var adminOf = genesis.AdminOrganizationOf(accountId);
        if (adminOf is not null)
        {
            return new CallerIdentity(accountId, adminOf, RoleAttributes(MembershipRoles.OrganizationAdmin));
        }
        if (genesis.IsNetworkAdmin(accountId))
        {
            return new CallerIdentity(accountId, null, RoleAttributes(MembershipRoles.NetworkAdmin));
        }
        var record = readMember(MemberKey(accountId));
        if (record is null)
        {
            isKnown = false;
            return CallerIdentity.Account(accountId);
        }
        var member = JsonNode.Parse(record.Value)!.AsObject();
        var attributes = member["attributes"]!.AsObject().ToDictionary(a => a.Key, a => a.Value!.GetValue<string>(), StringComparer.Ordinal);
        return new CallerIdentity(accountId, member["organization"]!.GetValue<string>(), attributes);
    }

    private static Dictionary<string, string> RoleAttributes(string role) => new(StringComparer.Ordinal) { [MembershipRoles.AttributeName] = role };

    private JsonNode? Enroll(IContractContext context, JsonObject args)
    {
        var organization = RequireAdmin(context);
        var account = RequireAccount(args);
        if (genesis.AdminOrganizationOf(account) is not null || genesis.IsNetworkAdmin(account))
        {
            throw new ContractException("ALREADY_ADMIN", $"{account} is an admin by genesis.");
        }
        var existing = ReadMember(context, account);
        if (existing is not null && existing["organization"]!.GetValue<string>() != organization)
        {
            throw new ContractException("ALREADY_ENROLLED", $"{account} is enrolled in another organisation.");
        }
        var attributes = new JsonObject();
        if (args["attributes"] is JsonObject given)
        {
            foreach (var (key, value) in given.OrderBy(a => a.Key, StringComparer.Ordinal))
            {
                if (string.IsNullOrEmpty(key) || value is not JsonValue text || text.GetValueKind() != JsonValueKind.String)
                {
                    throw new ContractException("INVALID_ARGUMENT", "Attributes are a JSON object of non-empty names to string values.");
                }
                var attributeValue = text.GetValue<string>();
                if (key == MembershipRoles.AttributeName && attributeValue is MembershipRoles.OrganizationAdmin or MembershipRoles.NetworkAdmin)
                {
                    throw new ContractException("RESERVED_ROLE", $"Role '{attributeValue}' is given by genesis only.");
                }
                attributes[key] = attributeValue;
            }
        }
        else if (args["attributes"] is not null)
        {
            throw new ContractException("INVALID_ARGUMENT", "'attributes' must be a JSON object.");
        }
        var member = new JsonObject { ["account"] = account, ["organization"] = organization, ["attributes"] = attributes };
        context.PutState(MemberKey(account), Encoding.UTF8.GetBytes(member.ToJsonString()));
        context.EmitEvent("MemberEnrolled", (JsonObject)member.DeepClone());
        return member;
    }

    private JsonNode? Revoke(IContractContext context, JsonObject args)
    {
        var organization = RequireAdmin(context);
        var account = RequireAccount(args);
        var existing = ReadMember(context, account)
            ?? throw new ContractException("NOT_ENROLLED", $"{account} is not enrolled.");
        if (existing["organization"]!.GetValue<string>() != organization)
        {
            throw new ContractException("NOT_ORG_ADMIN", $"{account} belongs to another organisation.");
        }
        context.DeleteState(MemberKey(account));
        context.EmitEvent("MemberRevoked", new JsonObject { ["account"] = account, ["organization"] = organization });
        return null;
    }

    private static JsonNode? GetMember(IContractContext context, JsonObject args) => ReadMember(context, RequireAccount(args));

    private static JsonNode? ListMembers(IContractContext context, JsonObject args)
    {
        var organization = args["organization"]?.GetValueKind() == JsonValueKind.String ? args["organization"]!.GetValue<string>() : null;
        var members = new JsonArray();
        foreach (var (_, value) in context.GetStateByPrefix(MemberKeyPrefix))
        {
            var member = JsonNode.Parse(value)!;
            if (organization is null || member["organization"]!.GetValue<string>() == organization)
            {
                members.Add(member);
            }
        }
        return members;
    }

    private string RequireAdmin(IContractContext context)
    {
        var organization = genesis.AdminOrganizationOf(context.Caller.AccountId);
        return organization ?? throw new ContractException("NOT_ORG_ADMIN", "Only an organisation admin may change membership.");
    }

    private static string RequireAccount(JsonObject args)
    {
        var account = args["account"] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
        return AccountIds.TryParse(account, out _)
            ? account!
            : throw new ContractException("INVALID_ARGUMENT", "'account' must be an account id (0x + 64 lower-case hex digits).");
    }

    private static JsonObject? ReadMember(IContractContext context, string account)
    {
        var bytes = context.GetState(MemberKey(account));
        return bytes is null ? null : JsonNode.Parse(bytes)!.AsObject();
    }
}

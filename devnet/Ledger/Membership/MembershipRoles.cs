namespace HybridEhr.Devnet.Ledger;

/// <summary>
/// Values of the "role" attribute the ledger itself gives to the admins listed in genesis. Enrolment cannot hand them
/// out, so no organisation admin can mint another admin.
/// </summary>
public static class MembershipRoles
{
    public const string AttributeName = "role";
    public const string OrganizationAdmin = "org_admin";
    public const string NetworkAdmin = "network_admin";
}

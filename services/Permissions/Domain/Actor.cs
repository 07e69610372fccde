namespace HybridEhr.Permissions.Domain;

/// <summary>Who is calling, as the access token says (the chain re-checks every role on writes).</summary>
public sealed record Actor(string AccountId, string Role)
{
    public const string PatientRole = "patient";
    public const string DoctorRole = "doctor";
    public const string ServiceRole = "service";

    public bool IsPatient => Role == PatientRole;

    public bool IsDoctor => Role == DoctorRole;

    public bool IsService => Role == ServiceRole;
}

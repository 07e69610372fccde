using HybridEhr.Devnet.Contracts.Common;

namespace HybridEhr.Devnet.Contracts.AccessControl;

/// <summary>
/// State key layout (parts joined by U+0000, values UTF-8 JSON):
///   config␀registrar                  → RegistrarConfig
///   user␀{account}                    → UserAccount
///   document␀{document_id_hash}␀{role} → RoleSlot (the one account of that role for that document)
///   attestation␀{document_id_hash}    → DoctorAttestation
///   grant␀{patient}␀{grantee}         → PermissionGrant
///   request␀{patient}␀{doctor}        → AccessRequest
///   request_by_doctor␀{doctor}␀{patient} → DoctorRequestIndex
/// </summary>
internal static class AccessControlKeys
{
    public static string Registrar() => StateKeys.Key("config", "registrar");

    public static string User(string account) => StateKeys.Key("user", account);

    public static string RoleSlot(string documentIdHash, string role) => StateKeys.Key("document", documentIdHash, role);

    public static string Attestation(string documentIdHash) => StateKeys.Key("attestation", documentIdHash);

    public static string Grant(string patient, string grantee) => StateKeys.Key("grant", patient, grantee);

    public static string GrantsOf(string patient) => StateKeys.Prefix("grant", patient);

    public static string Request(string patient, string doctor) => StateKeys.Key("request", patient, doctor);

    public static string RequestsOfPatient(string patient) => StateKeys.Prefix("request", patient);

    public static string DoctorRequest(string doctor, string patient) => StateKeys.Key("request_by_doctor", doctor, patient);

    public static string RequestsOfDoctor(string doctor) => StateKeys.Prefix("request_by_doctor", doctor);
}

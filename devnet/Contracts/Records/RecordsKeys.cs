using HybridEhr.Devnet.Contracts.Common;

namespace HybridEhr.Devnet.Contracts.Records;

/// <summary>
/// State key layout (parts joined by U+0000, values UTF-8 JSON):
///   org␀{organization}                  → Organization
///   doctor␀{document_id_hash}           → DoctorEnrollment
///   record␀{record_id}                  → EhrRecord (its key history is the record's version history)
///   patient_record␀{patient}␀{record_id} → IdIndex
///   token␀{token_id}                    → ImageToken
///   owner_token␀{owner}␀{token_id}      → IdIndex
/// </summary>
internal static class RecordsKeys
{
    public static string Organization(string organization) => StateKeys.Key("org", organization);

    public static string AllOrganizations() => StateKeys.Prefix("org");

    public static string Doctor(string documentIdHash) => StateKeys.Key("doctor", documentIdHash);

    public static string Record(string recordId) => StateKeys.Key("record", recordId);

    public static string PatientRecord(string patient, string recordId) => StateKeys.Key("patient_record", patient, recordId);

    public static string RecordsOfPatient(string patient) => StateKeys.Prefix("patient_record", patient);

    public static string Token(string tokenId) => StateKeys.Key("token", tokenId);

    public static string OwnerToken(string owner, string tokenId) => StateKeys.Key("owner_token", owner, tokenId);

    public static string TokensOfOwner(string owner) => StateKeys.Prefix("owner_token", owner);
}

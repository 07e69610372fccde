namespace HybridEhr.Devnet.Contracts.Records;

/// <summary>The records contract's error codes (besides INVALID_ARGUMENT and UNKNOWN_FUNCTION).</summary>
public static class RecordsErrors
{
    public const string NotNetworkAdmin = "NOT_NETWORK_ADMIN";
    public const string OrganizationExists = "ORGANIZATION_EXISTS";
    public const string OrganizationNotFound = "ORGANIZATION_NOT_FOUND";
    public const string NotOrganizationAdmin = "NOT_ORGANIZATION_ADMIN";
    public const string DoctorEnrolledElsewhere = "DOCTOR_ENROLLED_ELSEWHERE";
    public const string NotEnrolledDoctor = "NOT_ENROLLED_DOCTOR";
    public const string RecordExists = "RECORD_EXISTS";
    public const string RecordNotFound = "RECORD_NOT_FOUND";
    public const string VersionConflict = "VERSION_CONFLICT";
    public const string TokenExists = "TOKEN_EXISTS";
    public const string TokenNotFound = "TOKEN_NOT_FOUND";
    public const string PatientMismatch = "PATIENT_MISMATCH";
    public const string TokenRecordMismatch = "TOKEN_RECORD_MISMATCH";
    public const string Soulbound = "SOULBOUND";

    public static readonly IReadOnlyList<string> All =
    [
        NotNetworkAdmin, OrganizationExists, OrganizationNotFound, NotOrganizationAdmin, DoctorEnrolledElsewhere,
        NotEnrolledDoctor, RecordExists, RecordNotFound, VersionConflict, TokenExists, TokenNotFound, PatientMismatch,
        TokenRecordMismatch, Soulbound,
    ];
}

namespace HybridEhr.Devnet.Contracts.AccessControl;

/// <summary>The access-control contract's error codes (besides INVALID_ARGUMENT and UNKNOWN_FUNCTION).</summary>
public static class AccessControlErrors
{
    public const string NotInitialized = "NOT_INITIALIZED";
    public const string AlreadyInitialized = "ALREADY_INITIALIZED";
    public const string NotRegistrar = "NOT_REGISTRAR";
    public const string CallerNotRegistered = "CALLER_NOT_REGISTERED";
    public const string AlreadyRegistered = "ALREADY_REGISTERED";
    public const string RoleAccountExists = "ROLE_ACCOUNT_EXISTS";
    public const string DoctorNotAttested = "DOCTOR_NOT_ATTESTED";
    public const string RoleChangeNotAllowed = "ROLE_CHANGE_NOT_ALLOWED";
    public const string UserNotFound = "USER_NOT_FOUND";
    public const string NotPatient = "NOT_PATIENT";
    public const string NotDoctor = "NOT_DOCTOR";
    public const string TargetNotPatient = "TARGET_NOT_PATIENT";
    public const string TargetNotDoctor = "TARGET_NOT_DOCTOR";
    public const string ExpiryNotInFuture = "EXPIRY_NOT_IN_FUTURE";
    public const string AlreadyGranted = "ALREADY_GRANTED";
    public const string RequestNotFound = "REQUEST_NOT_FOUND";
    public const string RequestNotPending = "REQUEST_NOT_PENDING";

    public static readonly IReadOnlyList<string> All =
    [
        NotInitialized, AlreadyInitialized, NotRegistrar, CallerNotRegistered, AlreadyRegistered, RoleAccountExists,
        DoctorNotAttested, RoleChangeNotAllowed, UserNotFound, NotPatient, NotDoctor, TargetNotPatient,
        TargetNotDoctor, ExpiryNotInFuture, AlreadyGranted, RequestNotFound, RequestNotPending,
    ];
}

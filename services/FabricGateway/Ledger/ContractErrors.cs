using Grpc.Core;

namespace HybridEhr.FabricGateway.Ledger;

/// <summary>
/// Turns the records contract's error codes and the ledger's validation codes into gRPC statuses. The contract's
/// code leads the message ("NOT_ENROLLED_DOCTOR: ...") and travels in the trailer "x-contract-error", so callers
/// can act on it without parsing prose.
/// </summary>
public static class ContractErrors
{
    public const string Trailer = "x-contract-error";

    public static RpcException ToException(string code, string message)
    {
        var status = code switch
        {
            "INVALID_ARGUMENT" or "MALFORMED" => StatusCode.InvalidArgument,
            "RECORD_NOT_FOUND" or "TOKEN_NOT_FOUND" or "ORGANIZATION_NOT_FOUND" or "NOT_ENROLLED" => StatusCode.NotFound,
            "RECORD_EXISTS" or "TOKEN_EXISTS" or "ORGANIZATION_EXISTS" or "DOCTOR_ENROLLED_ELSEWHERE" or "ALREADY_ENROLLED" => StatusCode.AlreadyExists,
            "VERSION_CONFLICT" or "MVCC_CONFLICT" => StatusCode.Aborted,
            "NOT_ENROLLED_DOCTOR" or "NOT_ORGANIZATION_ADMIN" or "NOT_NETWORK_ADMIN" or "UNKNOWN_IDENTITY" or "NOT_ORG_ADMIN" or "BAD_SIGNATURE" => StatusCode.PermissionDenied,
            "PATIENT_MISMATCH" or "TOKEN_RECORD_MISMATCH" or "SOULBOUND" => StatusCode.FailedPrecondition,
            "UNKNOWN_FUNCTION" or "UNKNOWN_CONTRACT" => StatusCode.Unimplemented,
            "NONCE_REPLAYED" => StatusCode.Aborted,
            _ => StatusCode.Unknown,
        };
        return new RpcException(new Status(status, $"{code}: {message}"), new Metadata { { Trailer, code } });
    }
}

using Grpc.Core;
using HybridEhr.Permissions.Chain;

namespace HybridEhr.Permissions.Domain;

/// <summary>
/// Turns a refused access_control transaction into the status permissions.proto documents, with a message a person
/// understands. The contract's codes are listed in chaincode/spec/README.md.
/// </summary>
public static class ChainErrors
{
    public static RpcException ToRpcException(ChainSubmission submission) =>
        submission.ValidationCode == ChainSubmission.ContractError
            ? FromContract(submission.ErrorCode, submission.Message)
            : FromLedger(submission.ValidationCode, submission.Message);

    public static RpcException FromContract(string errorCode, string message) => errorCode switch
    {
        "CALLER_NOT_REGISTERED" => new(new Status(StatusCode.FailedPrecondition, "Your account is not registered on the permission chain yet.")),
        "NOT_PATIENT" => new(new Status(StatusCode.PermissionDenied, "Only a patient account can do this, and the permission chain records yours as something else.")),
        "NOT_DOCTOR" => new(new Status(StatusCode.PermissionDenied, "Only a doctor account can request access, and the permission chain records yours as something else.")),
        "USER_NOT_FOUND" => new(new Status(StatusCode.NotFound, "No account with that id exists on the permission chain.")),
        "TARGET_NOT_PATIENT" => new(new Status(StatusCode.NotFound, "That account is not a patient; access can only be requested from a patient.")),
        "TARGET_NOT_DOCTOR" => new(new Status(StatusCode.FailedPrecondition, "That account exists but is not a doctor; view permissions are granted to doctors only.")),
        "EXPIRY_NOT_IN_FUTURE" => new(new Status(StatusCode.InvalidArgument, "expires_at must be in the future.")),
        "ALREADY_GRANTED" => new(new Status(StatusCode.FailedPrecondition, "You already hold a live grant from this patient, so there is nothing to request.")),
        "REQUEST_NOT_FOUND" => new(new Status(StatusCode.NotFound, "This doctor has no access request to you.")),
        "REQUEST_NOT_PENDING" => new(new Status(StatusCode.FailedPrecondition, "This request was already approved or denied.")),
        "INVALID_ARGUMENT" => new(new Status(StatusCode.InvalidArgument, $"The permission chain refused the arguments: {message}")),
        _ => new(new Status(StatusCode.Internal, $"The permission chain refused the call with {errorCode}: {message}")),
    };

    public static RpcException FromLedger(string validationCode, string message) => validationCode switch
    {
        "MVCC_CONFLICT" or "NONCE_REPLAYED" =>
            new(new Status(StatusCode.Aborted, "Another change to the same permission was committed at the same moment; read again and retry.")),
        "BAD_SIGNATURE" => new(new Status(StatusCode.PermissionDenied, "The permission chain did not accept the transaction's signature.")),
        _ => new(new Status(StatusCode.Unavailable, $"The permission chain did not commit the transaction ({validationCode}: {message}); try again.")),
    };
}

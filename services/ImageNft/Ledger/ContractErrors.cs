using System.Text.RegularExpressions;
using Grpc.Core;

namespace HybridEhr.ImageNft.Ledger;

/// <summary>
/// Turns a records-contract refusal into the status this service documents. The contract's message starts with its
/// code ("TOKEN_EXISTS: token … already exists") and FabricGateway sends the code in a trailer too; the code, not
/// the gateway's status, decides, so each refusal gets the status and message this service documents.
/// </summary>
public static partial class ContractErrors
{
    public const string NotEnrolledDoctor = "NOT_ENROLLED_DOCTOR";
    public const string TokenExists = "TOKEN_EXISTS";
    public const string TokenNotFound = "TOKEN_NOT_FOUND";
    public const string RecordNotFound = "RECORD_NOT_FOUND";
    public const string PatientMismatch = "PATIENT_MISMATCH";
    public const string InvalidArgument = "INVALID_ARGUMENT";
    public const string Soulbound = "SOULBOUND";

    /// <summary>FabricGateway's trailer with the contract's code (its message starts with the code as well).</summary>
    public const string CodeTrailer = "x-contract-error";

    /// <summary>The contract's error code in a gateway error, or null if the error did not come from the contract.</summary>
    public static string? CodeOf(RpcException error) =>
        error.Trailers.GetValue(CodeTrailer)
        ?? (ContractCode().Match(error.Status.Detail ?? "") is { Success: true } match ? match.Groups["code"].Value : null);

    /// <summary>The status to answer with when the contract refused (or the gateway failed) during <paramref name="operation"/>.</summary>
    public static RpcException Translate(RpcException error, string operation)
    {
        var detail = error.Status.Detail ?? "";
        return CodeOf(error) switch
        {
            NotEnrolledDoctor => new RpcException(new Status(StatusCode.PermissionDenied,
                "The private chain does not know you as a doctor enrolled in a hospital, so you cannot mint images.")),
            TokenExists => new RpcException(new Status(StatusCode.AlreadyExists,
                "The chain already holds a token with the generated id (a random collision); upload again.")),
            PatientMismatch => new RpcException(new Status(StatusCode.FailedPrecondition, "The record belongs to another patient.")),
            TokenNotFound => new RpcException(new Status(StatusCode.NotFound, "No image token has this id.")),
            RecordNotFound => new RpcException(new Status(StatusCode.NotFound, "No record has this id.")),
            InvalidArgument => new RpcException(new Status(StatusCode.InvalidArgument, $"The records contract refused the arguments of {operation}: {detail}")),
            Soulbound => new RpcException(new Status(StatusCode.FailedPrecondition, "Image tokens are soulbound and can never be transferred.")),
            // The cause stays attached: whether the request ever left decides if a write's outcome is known (WriteFailure).
            _ when error.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Aborted =>
                new RpcException(new Status(error.StatusCode, $"The private chain could not complete {operation}: {detail}", error)),
            _ => new RpcException(new Status(error.StatusCode == StatusCode.Unknown ? StatusCode.Internal : error.StatusCode,
                $"The private chain refused {operation}: {detail}")),
        };
    }

    // Only the contract's own codes: a gateway may put a gRPC status name ("NOT_FOUND: ...") in front of them.
    [GeneratedRegex(@"\b(?<code>NOT_ENROLLED_DOCTOR|TOKEN_EXISTS|TOKEN_NOT_FOUND|RECORD_NOT_FOUND|PATIENT_MISMATCH|SOULBOUND|INVALID_ARGUMENT)\b", RegexOptions.CultureInvariant)]
    private static partial Regex ContractCode();
}

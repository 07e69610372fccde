using HybridEhr.ServiceDefaults.Writes;

namespace HybridEhr.Records.Chain;

/// <summary>The records contract's refusals, as statuses a person understands (records.proto's error lists).</summary>
public static class ChainErrors
{
    public static RpcException ToRpc(ChainCallException ex, string recordId) => ex.ContractCode switch
    {
        "NOT_ENROLLED_DOCTOR" => new(new Status(StatusCode.PermissionDenied,
            "The private chain does not know you as a doctor enrolled in your organisation, so it refused to anchor the record.")),
        "VERSION_CONFLICT" => new(new Status(StatusCode.Aborted, $"Record {recordId} was updated by someone else first. Reread, merge and retry.")),
        "RECORD_EXISTS" => new(new Status(StatusCode.AlreadyExists, $"Record {recordId} already exists on the chain.")),
        "RECORD_NOT_FOUND" => new(new Status(StatusCode.NotFound, $"The chain has no record {recordId}.")),
        "TOKEN_NOT_FOUND" => new(new Status(StatusCode.InvalidArgument, "document.images: an image token id does not exist on the chain.")),
        "PATIENT_MISMATCH" => new(new Status(StatusCode.InvalidArgument, "document.images: an image token belongs to another patient.")),
        "TOKEN_RECORD_MISMATCH" => new(new Status(StatusCode.InvalidArgument, "document.images: an image token was minted for another record.")),
        _ => ex.Status switch
        {
            StatusCode.Aborted => new(new Status(StatusCode.Aborted, $"The ledger rejected the write of record {recordId} as a conflict with a concurrent transaction; reread and retry.")),
            _ when ex.OutcomeUnknown => new(new Status(StatusCode.Unavailable,
                $"{WriteFailure.BeingConfirmed($"anchoring record {recordId}")} ({ex.Message})")),
            StatusCode.Unavailable => new(new Status(StatusCode.Unavailable, $"The private chain cannot be reached ({ex.Message}); nothing was written. Retry shortly.")),
            // Any other refusal keeps the gateway's status (its own convention maps the chaincode's errors to statuses).
            var status => new(new Status(status, $"The private chain refused the write of record {recordId}: {ex.Message}")),
        },
    };
}

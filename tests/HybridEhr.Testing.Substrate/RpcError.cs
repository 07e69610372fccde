namespace HybridEhr.Testing.Substrate;

/// <summary>A JSON-RPC error object the simulator answers with; codes and texts are those of a Substrate node.</summary>
internal sealed class RpcError(int code, string message, string? data = null) : Exception(message)
{
    public int Code => code;

    public new string? Data => data;

    public static RpcError MethodNotFound() => new(-32601, "Method not found");

    public static RpcError InvalidParams(string detail) => new(-32602, "Invalid params", detail);

    // sc-rpc-api author errors: POOL_INVALID_TX = 1010, POOL_UNKNOWN_VALIDITY = 1011, VERIFICATION_ERROR = 1002.
    // The data texts are sp_runtime's InvalidTransaction / UnknownTransaction descriptions.
    public static RpcError InvalidTransaction(string reason) => new(1010, "Invalid Transaction", reason);

    public static RpcError UnknownTransaction(string reason) => new(1011, "Unknown Transaction Validity", reason);

    public static RpcError Verification(string detail) => new(1002, $"Verification Error: Runtime error: Execution failed: {detail}", detail);

    public const string BadProof = "Transaction has a bad signature";
    public const string Stale = "Transaction is outdated";
    public const string Future = "Transaction will be valid in the future";
    public const string AncientBirthBlock = "Transaction has an ancient birth block";
    public const string CannotLookup = "Could not lookup information required to validate the transaction";
    public const string NoUnsignedValidator = "Could not find an unsigned validator for the unsigned transaction";
}

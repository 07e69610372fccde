namespace HybridEhr.Devnet.Contracts.Common;

/// <summary>Error codes every contract uses. Stable strings: clients and the other implementations match on them.</summary>
public static class CommonErrors
{
    public const string InvalidArgument = "INVALID_ARGUMENT";
    public const string UnknownFunction = "UNKNOWN_FUNCTION";
}

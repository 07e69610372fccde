namespace HybridEhr.Devnet.Ledger;

/// <summary>
/// Why a transaction was accepted or not. Codes up to <see cref="NonceReplayed"/> are decided before ordering: such a
/// transaction never enters a block. The others are decided at block cut; the transaction is recorded in its block with
/// the code (Fabric-style) but changes no state.
/// </summary>
public enum ValidationCode
{
    Valid = 0,
    /// <summary>Bytes that do not decode, arguments that are not a JSON object, oversized transactions.</summary>
    Malformed = 1,
    /// <summary>Signed for another chain id.</summary>
    WrongChain = 2,
    BadSignature = 3,
    UnknownContract = 4,
    /// <summary>Nonce not above the account's last used nonce (a replay or a stale retry); nonces may skip values.</summary>
    NonceReplayed = 5,
    /// <summary>The contract reported ContractException("UNKNOWN_FUNCTION", ...).</summary>
    UnknownFunction = 10,
    /// <summary>
    /// A chain that requires enrolment got a transaction from a key no organisation enrolled. Usually refused at the
    /// door; recorded in the block only if the signer was revoked between submit and block cut.
    /// </summary>
    UnknownIdentity = 11,
    /// <summary>The contract threw; <see cref="TransactionOutcome.ErrorCode"/> holds its code.</summary>
    ContractError = 12,
    /// <summary>A key (or key range) the transaction read was changed by an earlier transaction of the same block.</summary>
    MvccConflict = 13,
}

public static class ValidationCodeNames
{
    /// <summary>The stable wire name, e.g. "MVCC_CONFLICT".</summary>
    public static string ToWireName(this ValidationCode code) => code switch
    {
        ValidationCode.Valid => "VALID",
        ValidationCode.Malformed => "MALFORMED",
        ValidationCode.WrongChain => "WRONG_CHAIN",
        ValidationCode.BadSignature => "BAD_SIGNATURE",
        ValidationCode.UnknownContract => "UNKNOWN_CONTRACT",
        ValidationCode.NonceReplayed => "NONCE_REPLAYED",
        ValidationCode.UnknownFunction => "UNKNOWN_FUNCTION",
        ValidationCode.UnknownIdentity => "UNKNOWN_IDENTITY",
        ValidationCode.ContractError => "CONTRACT_ERROR",
        ValidationCode.MvccConflict => "MVCC_CONFLICT",
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, null),
    };

    /// <summary>True for codes that are stored in a block (ordered but invalid), false for codes refused at the door.</summary>
    public static bool IsRecordedInBlock(this ValidationCode code) => code is ValidationCode.Valid or >= ValidationCode.UnknownFunction;
}

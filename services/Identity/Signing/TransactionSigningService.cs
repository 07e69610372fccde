using HybridEhr.Contracts.Identity.V1;
using HybridEhr.Devnet.Ledger;
using Grpc.Core;
using HybridEhr.Identity.Keys;

namespace HybridEhr.Identity.Signing;

/// <summary>A signature by an account's custodial chain key.</summary>
public sealed record TransactionSignature(byte[] Signature, string AccountId, byte[] PublicKey);

/// <summary>
/// Signs chain transactions for the authenticated account only, and only real transaction payloads: the bytes must
/// decode as <see cref="SignedTransaction.EncodePayload"/> output for a chain this system uses, naming the caller's
/// own key as signer; or, when the permission chain is a Substrate node, a payload <see cref="SubstratePayloadPolicy"/>
/// accepts. So the custodial key can never be made to sign arbitrary data, or for another signer.
/// </summary>
public sealed class TransactionSigningService(ChainKeyStore keys, IReadOnlySet<string> chainIds, SubstratePayloadPolicy? substrate = null)
{
    // Names and arguments are bounded by the ledger; this only stops absurd inputs before any work.
    private const int MaxPayloadBytes = SignedTransaction.MaxArgsBytes + (4 * SignedTransaction.MaxNameBytes) + 1024;

    public async Task<TransactionSignature> SignAsync(string accountId, byte[] payload, PayloadFormat format, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payload);
        switch (format)
        {
            case PayloadFormat.DevnetTransaction:
                return Sign(accountId, payload);
            case PayloadFormat.SubstrateExtrinsic when substrate is null:
                throw new RpcException(new Status(StatusCode.FailedPrecondition,
                    "The permission chain here is the devnet, not a Substrate node, so Substrate payloads are not signed."));
            case PayloadFormat.SubstrateExtrinsic:
                var key = KeyOf(accountId);
                var bytesToSign = await substrate.CheckAsync(payload, cancellationToken).ConfigureAwait(false);
                return new TransactionSignature(key.Sign(bytesToSign), key.AccountId, key.PublicKey);
            default:
                throw Invalid($"format {format} is not a payload format this service knows.");
        }
    }

    public TransactionSignature Sign(string accountId, ReadOnlySpan<byte> payload)
    {
        var key = KeyOf(accountId);

        var transaction = DecodePayload(payload);
        if (!chainIds.Contains(transaction.ChainId))
        {
            throw Invalid($"The payload is for chain '{transaction.ChainId}', which this system does not use.");
        }

        if (transaction.SignerAccountId != key.AccountId)
        {
            throw Invalid("The payload names another signer than you; a key signs only its own transactions.");
        }

        return new TransactionSignature(key.Sign(payload), key.AccountId, key.PublicKey);
    }

    private DevnetKey KeyOf(string accountId) =>
        (AccountIds.TryParse(accountId, out _) ? keys.Find(accountId) : null)
        ?? throw new RpcException(new Status(StatusCode.NotFound, "Your account has no chain key here, so nothing can be signed for it."));

    /// <summary>
    /// The ledger's decoder reads signed bytes (payload ‖ 64-byte signature); a placeholder signature lets it check
    /// the payload's whole layout, including that nothing trails it.
    /// </summary>
    public static SignedTransaction DecodePayload(ReadOnlySpan<byte> payload)
    {
        if (payload.Length == 0 || payload.Length > MaxPayloadBytes)
        {
            throw Invalid("The payload is not a chain transaction payload (empty or too large).");
        }

        var signedBytes = new byte[payload.Length + DevnetKey.SignatureSize];
        payload.CopyTo(signedBytes);
        return SignedTransaction.TryDecode(signedBytes, out var transaction, out var error)
            ? transaction!
            : throw Invalid($"The payload is not a chain transaction payload ({error}).");
    }

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}

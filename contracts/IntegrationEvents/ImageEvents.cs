namespace HybridEhr.Contracts.Events;

/// <summary>An image was stored in IPFS and its soulbound NFT minted on the private chain.</summary>
/// <param name="Cid">CIDv1 (base32) of the encrypted content; the token URI is ipfs://&lt;Cid&gt;.</param>
/// <param name="ContentHash">SHA-256 of the image plaintext, 64 lowercase hex characters.</param>
/// <param name="OwnerAccountId">The patient who owns the token, forever (soulbound).</param>
/// <param name="ChainTransactionId">Private-chain transaction of the mint.</param>
public sealed record ImageMinted(
    Guid EventId,
    DateTimeOffset OccurredAt,
    string TokenId,
    string Cid,
    string ContentHash,
    long SizeBytes,
    string OwnerAccountId,
    string RecordId,
    string MintedByAccountId,
    string OrganisationMspId,
    string ChainTransactionId,
    ulong BlockNumber) : IIntegrationEvent;

namespace HybridEhr.Contracts.Events;

// EHR facts. ChainTransactionId is a private-chain (Fabric) transaction. Hashes are SHA-256 as 64 lowercase hex
// characters: ContentHash of the canonical plaintext, CiphertextHash of the stored ciphertext.

/// <summary>A record was created (version 1) and anchored.</summary>
public sealed record RecordCreated(
    Guid EventId,
    DateTimeOffset OccurredAt,
    string RecordId,
    long Version,
    string PatientAccountId,
    string AuthorAccountId,
    string OrganisationMspId,
    string ContentHash,
    string CiphertextHash,
    string ChainTransactionId,
    ulong BlockNumber) : IIntegrationEvent;

/// <summary>A record got a new version (<paramref name="Version"/> = previous + 1) and it was anchored.</summary>
public sealed record RecordUpdated(
    Guid EventId,
    DateTimeOffset OccurredAt,
    string RecordId,
    long Version,
    string PatientAccountId,
    string AuthorAccountId,
    string OrganisationMspId,
    string ContentHash,
    string CiphertextHash,
    string ChainTransactionId,
    ulong BlockNumber) : IIntegrationEvent;

/// <summary>
/// Audit: someone read a record's content, or an image of it. Who (<paramref name="ReaderAccountId"/>), what
/// (<paramref name="RecordId"/>, <paramref name="Version"/>, <paramref name="ImageTokenId"/>), when
/// (<see cref="OccurredAt"/>) and under which right (<paramref name="Basis"/> with the grant or share link).
/// </summary>
/// <param name="ReaderAccountId">The reader; null for a share link, whose opener has no account.</param>
/// <param name="ReaderRole">The reader's role; <see cref="AccountRole.Unspecified"/> for a share link.</param>
/// <param name="GrantId">Set when <paramref name="Basis"/> is <see cref="AccessBasis.Grant"/>.</param>
/// <param name="ShareLinkId">Set when <paramref name="Basis"/> is <see cref="AccessBasis.ShareLink"/>.</param>
/// <param name="ImageTokenId">Set when an image was downloaded rather than the record's document read.</param>
/// <param name="ChainTransactionId">A private-chain transaction recording the read, when reads are anchored;
/// null otherwise.</param>
public sealed record RecordRead(
    Guid EventId,
    DateTimeOffset OccurredAt,
    string RecordId,
    long Version,
    string PatientAccountId,
    string? ReaderAccountId,
    AccountRole ReaderRole,
    AccessBasis Basis,
    string? GrantId,
    string? ShareLinkId,
    string? ImageTokenId,
    string? ChainTransactionId) : IIntegrationEvent;

/// <summary>A patient made a single-use share link. The link's secret token is never in an event.</summary>
/// <param name="ChainTransactionId">Private-chain transaction recording the share; null when not anchored.</param>
public sealed record ShareLinkCreated(
    Guid EventId,
    DateTimeOffset OccurredAt,
    string ShareLinkId,
    string RecordId,
    long Version,
    string PatientAccountId,
    DateTimeOffset ExpiresAt,
    string? ChainTransactionId) : IIntegrationEvent;

/// <summary>A share link was opened and used up; a <see cref="RecordRead"/> with the same link id follows.</summary>
/// <param name="ChainTransactionId">Private-chain transaction recording the use; null when not anchored.</param>
public sealed record ShareLinkOpened(
    Guid EventId,
    DateTimeOffset OccurredAt,
    string ShareLinkId,
    string RecordId,
    long Version,
    string PatientAccountId,
    string? ChainTransactionId) : IIntegrationEvent;

namespace HybridEhr.Contracts.Events;

// Permission facts. ChainTransactionId is always a permission-chain transaction. The free-text reasons of
// requests and denials are left out on purpose: they may contain personal data.

/// <summary>A doctor asked a patient for view access (request_access).</summary>
public sealed record AccessRequested(
    Guid EventId,
    DateTimeOffset OccurredAt,
    string RequestId,
    string PatientAccountId,
    string DoctorAccountId,
    string ChainTransactionId) : IIntegrationEvent;

/// <summary>The patient approved a request (approve_access), which created <paramref name="GrantId"/>.</summary>
/// <param name="ExpiresAt">End of the grant; null = until revoked.</param>
public sealed record AccessApproved(
    Guid EventId,
    DateTimeOffset OccurredAt,
    string RequestId,
    string PatientAccountId,
    string DoctorAccountId,
    string GrantId,
    DateTimeOffset? ExpiresAt,
    string ChainTransactionId) : IIntegrationEvent;

/// <summary>The patient denied a request.</summary>
public sealed record AccessDenied(
    Guid EventId,
    DateTimeOffset OccurredAt,
    string RequestId,
    string PatientAccountId,
    string DoctorAccountId,
    string ChainTransactionId) : IIntegrationEvent;

/// <summary>
/// A grant became live, either directly (grant_permission) or by approval (then <paramref name="RequestId"/> is
/// set and an <see cref="AccessApproved"/> is published too). A re-grant that only changes the expiry is
/// published again with the same <paramref name="GrantId"/> and the new expiry.
/// </summary>
/// <param name="RequestId">The approved request; null for a direct grant.</param>
/// <param name="ExpiresAt">End of the grant; null = until revoked.</param>
public sealed record PermissionGranted(
    Guid EventId,
    DateTimeOffset OccurredAt,
    string GrantId,
    string PatientAccountId,
    string DoctorAccountId,
    string? RequestId,
    DateTimeOffset? ExpiresAt,
    string ChainTransactionId) : IIntegrationEvent;

/// <summary>The patient revoked a grant (revoke_permission).</summary>
public sealed record PermissionRevoked(
    Guid EventId,
    DateTimeOffset OccurredAt,
    string GrantId,
    string PatientAccountId,
    string DoctorAccountId,
    string ChainTransactionId) : IIntegrationEvent;

/// <summary>
/// A grant reached its expiry. It stopped counting at <paramref name="ExpiredAt"/> whatever the chain says; the
/// event may be published later than that.
/// </summary>
/// <param name="ChainTransactionId">The transaction that recorded the expiry on chain; null when the expiry was
/// only observed by time (no transaction needed for it to take effect).</param>
public sealed record PermissionExpired(
    Guid EventId,
    DateTimeOffset OccurredAt,
    string GrantId,
    string PatientAccountId,
    string DoctorAccountId,
    DateTimeOffset ExpiredAt,
    string? ChainTransactionId) : IIntegrationEvent;

namespace HybridEhr.Contracts.Events;

/// <summary>An account was created on the permission chain (add_user).</summary>
/// <param name="AccountId">Chain address of the new account.</param>
/// <param name="Role">The role it was registered with.</param>
/// <param name="OrganisationMspId">The doctor's organisation; null for patients.</param>
/// <param name="ChainTransactionId">Permission-chain transaction of add_user.</param>
public sealed record UserRegistered(
    Guid EventId,
    DateTimeOffset OccurredAt,
    string AccountId,
    AccountRole Role,
    string? OrganisationMspId,
    string ChainTransactionId) : IIntegrationEvent;

/// <summary>An account's role was set on the permission chain (assign_role).</summary>
/// <param name="ChainTransactionId">Permission-chain transaction of assign_role.</param>
public sealed record RoleAssigned(
    Guid EventId,
    DateTimeOffset OccurredAt,
    string AccountId,
    AccountRole Role,
    string ChainTransactionId) : IIntegrationEvent;

using System.Text.Json.Serialization;
using HybridEhr.Identity.Crypto;

namespace HybridEhr.Identity.Accounts;

/// <summary>Where a registration stands. Only <see cref="Active"/> accounts can log in.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AccountStatus>))]
public enum AccountStatus
{
    /// <summary>Written before the first chain call; finished or rolled back by a retry or by recovery.</summary>
    Pending,
    Active,
}

/// <summary>
/// One account as stored: public facts in clear (ids, role, hashes, chain receipts) and the personal data sealed
/// under the master key, bound to the account id.
/// </summary>
public sealed record AccountRecord
{
    [JsonPropertyName("account_id")]
    public required string AccountId { get; init; }

    /// <summary>"patient" or "doctor" (<see cref="HybridEhr.Security.Roles"/>).</summary>
    [JsonPropertyName("role")]
    public required string Role { get; init; }

    /// <summary>The document hash as on the chains (HMAC under the pepper), never the document.</summary>
    [JsonPropertyName("document_hash")]
    public required string DocumentHash { get; init; }

    [JsonPropertyName("status")]
    public required AccountStatus Status { get; init; }

    [JsonPropertyName("password_hash")]
    public required string PasswordHash { get; init; }

    [JsonPropertyName("personal_data")]
    public required SealedBox PersonalData { get; init; }

    [JsonPropertyName("created_at")]
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>A doctor's hospital (MSP id), known once FabricGateway verified the document.</summary>
    [JsonPropertyName("organization")]
    public string? Organization { get; init; }

    /// <summary>
    /// Set before add_user is first sent: from then on the key may be on the chain even if no answer came back, so the
    /// record is never deleted without asking the chain first.
    /// </summary>
    [JsonPropertyName("add_user_submitted")]
    public bool AddUserSubmitted { get; init; }

    /// <summary>True once add_user is known to be committed for this account.</summary>
    [JsonPropertyName("on_chain")]
    public bool OnChain { get; init; }

    [JsonPropertyName("add_user_tx_id")]
    public string? AddUserTxId { get; init; }

    [JsonPropertyName("enroll_member_tx_id")]
    public string? EnrollMemberTxId { get; init; }

    /// <summary>The chain's registration time (block time of add_user).</summary>
    [JsonPropertyName("registered_at")]
    public DateTimeOffset? RegisteredAt { get; init; }
}

/// <summary>What a person told us about themselves; stored only sealed.</summary>
public sealed record PersonalData(
    [property: JsonPropertyName("document_number")] string DocumentNumber,
    [property: JsonPropertyName("first_name")] string FirstName,
    [property: JsonPropertyName("last_name")] string LastName,
    [property: JsonPropertyName("email")] string Email);

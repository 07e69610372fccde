using System.Text.Json.Nodes;

namespace HybridEhr.Identity.Chain;

/// <summary>
/// The access_control reads Identity makes, over any chain that runs a query as an account and answers the spec's
/// JSON: the devnet and a Substrate node share them.
/// </summary>
internal sealed class AccessControlReads(Func<string, string, JsonObject, CancellationToken, Task<JsonNode?>> query)
{
    public async Task<bool> UserExistsAsync(string accountId, CancellationToken cancellationToken) =>
        (await query(accountId, "user_exists", new JsonObject { ["account"] = accountId }, cancellationToken).ConfigureAwait(false))
        ?.GetValue<bool>() ?? false;

    public async Task<string?> UserRoleAsync(string accountId, CancellationToken cancellationToken) =>
        (await query(accountId, "user_role", new JsonObject { ["account"] = accountId }, cancellationToken).ConfigureAwait(false))
        ?.GetValue<string>();

    public async Task<ChainUser?> GetUserAsync(string accountId, CancellationToken cancellationToken)
    {
        if (await UserExistsAsync(accountId, cancellationToken).ConfigureAwait(false) is false)
        {
            return null;
        }

        var user = (await query(accountId, "get_user", new JsonObject { ["account"] = accountId }, cancellationToken).ConfigureAwait(false))?.AsObject();
        return user is null
            ? null
            : new ChainUser(
                user["account"]!.GetValue<string>(),
                user["role"]!.GetValue<string>(),
                user["document_id_hash"]!.GetValue<string>(),
                DateTimeOffset.FromUnixTimeMilliseconds(user["registered_at"]!.GetValue<long>()));
    }
}

using System.Text.Json.Nodes;
using HybridEhr.Clients.Devnet;
using HybridEhr.Contracts.Devnet.V1;
using HybridEhr.Devnet.Ledger;
using Grpc.Core;
using HybridEhr.ServiceDefaults.Writes;

namespace HybridEhr.Identity.Chain;

/// <summary>The permission chain on the devnet (configuration "services:devnet:grpc:0"), through <see cref="DevnetChain"/>.</summary>
public sealed class DevnetPermissionChain(Func<DevnetChain> chainFactory, DevnetKey registrar) : IPermissionChain
{
    private AccessControlReads? _reads;

    private AccessControlReads Reads => _reads ??= new AccessControlReads(QueryAsync);

    public const string Contract = "access_control";
    private const int ConflictRetries = 3;

    private readonly Lazy<DevnetChain> _chain = new(chainFactory);

    private DevnetChain Chain => _chain.Value;

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var response = await SubmitAsync(new LocalSigner(registrar), "init", new JsonObject { ["registrar"] = registrar.AccountId }, cancellationToken)
            .ConfigureAwait(false);
        if (!IsValid(response) && response.ErrorCode != "ALREADY_INITIALIZED")
        {
            throw Refused("init", response);
        }
    }

    public async Task<string> AttestDoctorAsync(string documentIdHash, string organization, CancellationToken cancellationToken)
    {
        var args = new JsonObject { ["document_id_hash"] = documentIdHash, ["organization"] = organization };
        var response = await SubmitAsync(new LocalSigner(registrar), "attest_doctor", args, cancellationToken).ConfigureAwait(false);
        if (response.ErrorCode == "NOT_INITIALIZED")
        {
            // Registration may come before the start-up init got through; init is idempotent, so do it now.
            await InitializeAsync(cancellationToken).ConfigureAwait(false);
            response = await SubmitAsync(new LocalSigner(registrar), "attest_doctor", args.DeepClone().AsObject(), cancellationToken).ConfigureAwait(false);
        }

        return IsValid(response) ? response.TxId : throw Refused("attest_doctor", response);
    }

    public async Task<AddUserResult> AddUserAsync(ITransactionSigner account, string documentIdHash, string role, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        var response = await SubmitAsync(account, "add_user", new JsonObject { ["document_id_hash"] = documentIdHash, ["role"] = role }, cancellationToken)
            .ConfigureAwait(false);
        return response.ErrorCode switch
        {
            _ when IsValid(response) => new AddUserResult(AddUserOutcome.Added, response.TxId, DateTimeOffset.FromUnixTimeMilliseconds(response.BlockTimestamp)),
            "ALREADY_REGISTERED" => new AddUserResult(AddUserOutcome.AlreadyRegistered, null, null),
            "ROLE_ACCOUNT_EXISTS" => new AddUserResult(AddUserOutcome.RoleTaken, null, null),
            "DOCTOR_NOT_ATTESTED" => new AddUserResult(AddUserOutcome.DoctorNotAttested, null, null),
            _ => throw Refused("add_user", response),
        };
    }

    public Task<bool> UserExistsAsync(string accountId, CancellationToken cancellationToken) => Reads.UserExistsAsync(accountId, cancellationToken);

    public Task<string?> UserRoleAsync(string accountId, CancellationToken cancellationToken) => Reads.UserRoleAsync(accountId, cancellationToken);

    public Task<ChainUser?> GetUserAsync(string accountId, CancellationToken cancellationToken) => Reads.GetUserAsync(accountId, cancellationToken);

    public async Task<string?> FindAddUserTxIdAsync(string accountId, CancellationToken cancellationToken)
    {
        // The contract's state key of a user is "user" NUL account; its first modification is the add_user.
        var history = await Call(() => Chain.Client.GetHistoryAsync(
            new GetHistoryRequest { Chain = Chain.Chain, Contract = Contract, Key = "user\0" + accountId },
            new CallOptions(cancellationToken: cancellationToken)).ResponseAsync).ConfigureAwait(false);
        return history.Modifications.FirstOrDefault()?.TxId;
    }

    private async Task<SubmitResponse> SubmitAsync(ITransactionSigner signer, string function, JsonObject args, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await Call(() => Chain.SubmitAsync(signer, Contract, function, args.DeepClone().AsObject(), cancellationToken)).ConfigureAwait(false);
            // Two registrations touching the same document slot at once: the loser re-reads and gets the real answer.
            if (response.ValidationCode != "MVCC_CONFLICT" || attempt == ConflictRetries)
            {
                return response;
            }
        }
    }

    private async Task<JsonNode?> QueryAsync(string caller, string function, JsonObject args, CancellationToken cancellationToken)
    {
        var response = await Call(() => Chain.QueryAsync(caller, Contract, function, args, cancellationToken)).ConfigureAwait(false);
        if (!IsValid(response.ValidationCode))
        {
            throw new InvalidOperationException($"The permission chain refused {function}: {response.ValidationCode} {response.ErrorCode} {response.Message}");
        }

        return string.IsNullOrEmpty(response.ResultJson) ? null : JsonNode.Parse(response.ResultJson);
    }

    private static bool IsValid(SubmitResponse response) => IsValid(response.ValidationCode);

    private static bool IsValid(string validationCode) => validationCode == "VALID";

    private static InvalidOperationException Refused(string function, SubmitResponse response) =>
        new($"The permission chain refused {function}: {response.ValidationCode} {response.ErrorCode} {response.Message}");

    private static async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Unknown or StatusCode.Internal)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, WriteFailure.Explain(ex, "The permission chain", ex.Status.Detail)));
        }
        catch (InvalidOperationException ex) when (ex.Message.StartsWith("No address", StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"The permission chain is not configured: {ex.Message}"));
        }
    }
}

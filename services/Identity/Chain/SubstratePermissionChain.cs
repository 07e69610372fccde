using System.Text.Json.Nodes;
using HybridEhr.Clients.Devnet;
using HybridEhr.Clients.Substrate.Chain;
using HybridEhr.Clients.Substrate.Contracts;
using HybridEhr.Clients.Substrate.Extrinsics;
using HybridEhr.Clients.Substrate.Keys;
using HybridEhr.Devnet.Ledger;
using Grpc.Core;

namespace HybridEhr.Identity.Chain;

/// <summary>
/// The permission chain as a Substrate node running the ink! access_control contract (configuration
/// "PermissionChain:Mode" = substrate, docs/substrate.md). Same calls, JSON and error codes as on the devnet; every
/// write is signed by the acting key (the registrar's for init and attest_doctor, the new account's for add_user).
/// </summary>
public sealed class SubstratePermissionChain(ContractConnection connection, DevnetKey registrar) : IPermissionChain
{
    private AccessControlReads? _reads;

    private AccessControlReads Reads => _reads ??= new AccessControlReads(QueryAsync);

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        try
        {
            await SubmitAsync(new LocalSigner(registrar), "init", new JsonObject { ["registrar"] = registrar.AccountId }, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (ContractErrorException error) when (error.Code == "ALREADY_INITIALIZED")
        {
            // Deployed with the registrar already (constructor with_registrar), or initialised by an earlier start.
        }
    }

    public async Task<string> AttestDoctorAsync(string documentIdHash, string organization, CancellationToken cancellationToken)
    {
        var args = new JsonObject { ["document_id_hash"] = documentIdHash, ["organization"] = organization };
        try
        {
            return (await SubmitAsync(new LocalSigner(registrar), "attest_doctor", args, cancellationToken).ConfigureAwait(false)).TxHash;
        }
        catch (ContractErrorException error) when (error.Code == "NOT_INITIALIZED")
        {
            await InitializeAsync(cancellationToken).ConfigureAwait(false);
            return (await SubmitAsync(new LocalSigner(registrar), "attest_doctor", (JsonObject)args.DeepClone(), cancellationToken).ConfigureAwait(false)).TxHash;
        }
    }

    public async Task<AddUserResult> AddUserAsync(ITransactionSigner account, string documentIdHash, string role, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        if (connection.Options.Endowment > 0)
        {
            await EndowAsync(account.PublicKey, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var written = await SubmitAsync(account, "add_user", new JsonObject { ["document_id_hash"] = documentIdHash, ["role"] = role }, cancellationToken)
                .ConfigureAwait(false);
            return new AddUserResult(AddUserOutcome.Added, written.TxHash, DateTimeOffset.FromUnixTimeMilliseconds(written.BlockTimestampMs));
        }
        catch (ContractErrorException error) when (error.Code is "ALREADY_REGISTERED" or "ROLE_ACCOUNT_EXISTS" or "DOCTOR_NOT_ATTESTED")
        {
            return new AddUserResult(error.Code switch
            {
                "ALREADY_REGISTERED" => AddUserOutcome.AlreadyRegistered,
                "ROLE_ACCOUNT_EXISTS" => AddUserOutcome.RoleTaken,
                _ => AddUserOutcome.DoctorNotAttested,
            }, null, null);
        }
    }

    public Task<bool> UserExistsAsync(string accountId, CancellationToken cancellationToken) => Reads.UserExistsAsync(accountId, cancellationToken);

    public Task<string?> UserRoleAsync(string accountId, CancellationToken cancellationToken) => Reads.UserRoleAsync(accountId, cancellationToken);

    public Task<ChainUser?> GetUserAsync(string accountId, CancellationToken cancellationToken) => Reads.GetUserAsync(accountId, cancellationToken);

    /// <summary>A node keeps no index from account to transaction; recovery does without the id.</summary>
    public Task<string?> FindAddUserTxIdAsync(string accountId, CancellationToken cancellationToken) => Task.FromResult<string?>(null);

    /// <summary>A new account holds no funds on a chain with fees: the registrar gives it what it needs to transact.</summary>
    private async Task EndowAsync(byte[] account, CancellationToken cancellationToken)
    {
        var contract = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await contract.EndowAsync(new LocalExtrinsicSigner(new LocalSigner(registrar)), account, connection.Options.Endowment, connection.Options.Write, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnreachable(ex, cancellationToken))
        {
            throw Unavailable(ex);
        }
        catch (ExtrinsicFailedException ex)
        {
            throw new InvalidOperationException($"The registrar could not fund the new account for its fees: {ex.Message}", ex);
        }
    }

    private async Task<ContractJsonWrite> SubmitAsync(ITransactionSigner signer, string message, JsonObject args, CancellationToken cancellationToken)
    {
        var contract = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await contract.SubmitAsync(new LocalExtrinsicSigner(signer), message, args, connection.Options.Write, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnreachable(ex, cancellationToken))
        {
            throw Unavailable(ex);
        }
        catch (Exception ex) when (ex is ExtrinsicFailedException or ContractCallException or InkLangException)
        {
            throw new InvalidOperationException($"The permission chain did not run {message}: {ex.Message}", ex);
        }
    }

    private async Task<JsonNode?> QueryAsync(string caller, string message, JsonObject args, CancellationToken cancellationToken)
    {
        var contract = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var callerKey = AccountIds.TryParse(caller, out var key) ? key : throw new ArgumentException($"'{caller}' is not a chain account id", nameof(caller));
            return await contract.QueryAsync(callerKey, message, args, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnreachable(ex, cancellationToken))
        {
            throw Unavailable(ex);
        }
        catch (Exception ex) when (ex is ContractErrorException or ContractCallException or InkLangException)
        {
            throw new InvalidOperationException($"The permission chain refused {message}: {ex.Message}", ex);
        }
    }

    private async Task<ContractJsonClient> ConnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await connection.GetAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnreachable(ex, cancellationToken))
        {
            throw Unavailable(ex);
        }
    }

    private static bool IsUnreachable(Exception ex, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && Clients.Substrate.Rpc.NodeFailures.IsTransient(ex);

    private static RpcException Unavailable(Exception ex) =>
        new(new Status(StatusCode.Unavailable, $"The permission chain's node cannot be reached right now ({ex.Message}); try again."));

    /// <summary>Identity's own keys sign locally: the payload's hash rule is applied here, where the key is.</summary>
    private sealed class LocalExtrinsicSigner(ITransactionSigner key) : IExtrinsicSigner
    {
        public byte[] PublicKey => key.PublicKey;

        public ValueTask<byte[]> SignAsync(byte[] payload, CancellationToken cancellationToken) =>
            key.SignAsync(ExtrinsicPayload.BytesToSign(payload), cancellationToken);
    }
}

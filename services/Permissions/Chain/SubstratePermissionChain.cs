using System.Text.Json.Nodes;
using HybridEhr.Clients.Devnet;
using HybridEhr.Clients.Substrate.Chain;
using HybridEhr.Clients.Substrate.Contracts;
using HybridEhr.Clients.Substrate.Extrinsics;
using HybridEhr.Clients.Substrate.Keys;
using Grpc.Core;
using HybridEhr.Permissions.Domain;

namespace HybridEhr.Permissions.Chain;

/// <summary>
/// The permission chain as a Substrate node running the ink! access_control contract ("PermissionChain:Mode" =
/// substrate, docs/substrate.md). It answers in the devnet's terms: a transaction id (the extrinsic hash), the block
/// number as height, the extrinsic's index as transaction index, the contract's events as spec JSON, and the
/// contract's error codes as CONTRACT_ERROR. Signers must hand Identity the whole payload (see
/// <see cref="RemoteSignerFactory"/> with the Substrate format): Identity checks it and applies the hashing rule.
/// </summary>
public sealed class SubstratePermissionChain(ContractConnection connection) : IPermissionChain
{
    public async Task<ChainSubmission> SubmitAsync(ITransactionSigner signer, string function, JsonObject args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signer);
        var contract = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var written = await contract.SubmitAsync(new PassThroughSigner(signer), function, args, connection.Options.Write, cancellationToken)
                .ConfigureAwait(false);
            var height = (long)written.BlockNumber;
            var txIndex = (int)written.ExtrinsicIndex;
            return new ChainSubmission(written.TxHash, ChainSubmission.Valid, "", "", height, written.BlockTimestampMs,
                written.Result?.ToJsonString() ?? "null",
                [.. written.Events.Select(e => new PermissionChainEvent(height, txIndex, written.TxHash, written.BlockTimestampMs, e.Name, e.Payload.ToJsonString()))]);
        }
        catch (SignatureRefusedException refused)
        {
            throw refused.Status;
        }
        catch (ContractErrorException error)
        {
            return Refused(ChainSubmission.ContractError, error.Code, error.Message);
        }
        catch (InkLangException error)
        {
            return Refused(ChainSubmission.ContractError, "UNKNOWN_FUNCTION", error.Message);
        }
        catch (ArgumentException error)
        {
            return Refused(ChainSubmission.ContractError, "INVALID_ARGUMENT", error.Message);
        }
        catch (ContractCallException error)
        {
            return Refused("CONTRACT_TRAPPED", "", error.Message);
        }
        catch (ExtrinsicFailedException error)
        {
            return Refused("EXTRINSIC_FAILED", "", error.Message);
        }
        catch (Exception ex) when (IsUnreachable(ex, cancellationToken))
        {
            throw Unreachable(ex);
        }
    }

    public async Task<ChainQueryResult> QueryAsync(string callerAccount, string function, JsonObject args, CancellationToken cancellationToken)
    {
        var contract = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var caller = HybridEhr.Devnet.Ledger.AccountIds.TryParse(callerAccount, out var key)
                ? key
                : throw new ArgumentException($"'{callerAccount}' is not a chain account id");
            var result = await contract.QueryAsync(caller, function, args, cancellationToken).ConfigureAwait(false);
            return new ChainQueryResult(ChainSubmission.Valid, "", "", result?.ToJsonString() ?? "null");
        }
        catch (ContractErrorException error)
        {
            return new ChainQueryResult(ChainSubmission.ContractError, error.Code, error.Message, "");
        }
        catch (InkLangException error)
        {
            return new ChainQueryResult(ChainSubmission.ContractError, "UNKNOWN_FUNCTION", error.Message, "");
        }
        catch (ArgumentException error)
        {
            return new ChainQueryResult(ChainSubmission.ContractError, "INVALID_ARGUMENT", error.Message, "");
        }
        catch (ContractCallException error)
        {
            return new ChainQueryResult("CONTRACT_TRAPPED", "", error.Message, "");
        }
        catch (Exception ex) when (IsUnreachable(ex, cancellationToken))
        {
            throw Unreachable(ex);
        }
    }

    /// <summary>The head the event follower tracks: the best block, or the finalized one when writes wait for finality.</summary>
    public async Task<long> GetHeightAsync(CancellationToken cancellationToken)
    {
        var chain = (await ConnectAsync(cancellationToken).ConfigureAwait(false)).Contract.Chain;
        try
        {
            return connection.Options.WaitFor == WatchUntil.Finalized
                ? (long)await chain.GetFinalizedNumberAsync(cancellationToken).ConfigureAwait(false)
                : (long)(await chain.GetBestBlockAsync(cancellationToken).ConfigureAwait(false)).Number;
        }
        catch (Exception ex) when (IsUnreachable(ex, cancellationToken))
        {
            throw Unreachable(ex);
        }
    }

    /// <summary>
    /// Every extrinsic of the block, at its index; calls of this contract carry their message as function, and are
    /// VALID when they succeeded and the contract emitted events (a reverted call emits none and changes nothing).
    /// </summary>
    public async Task<IReadOnlyList<ChainTransactionSummary>> GetBlockTransactionsAsync(long height, CancellationToken cancellationToken)
    {
        var contract = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var chain = contract.Contract.Chain;
        try
        {
            var hash = await chain.GetBlockHashAsync((ulong)height, cancellationToken).ConfigureAwait(false);
            if (hash is null)
            {
                return [];
            }

            var extrinsics = await chain.GetBlockExtrinsicsAsync(hash, cancellationToken).ConfigureAwait(false);
            var events = await chain.GetEventsAsync(hash, cancellationToken).ConfigureAwait(false);
            var decoder = new ExtrinsicPayload(chain.Metadata);
            return [.. extrinsics.Select((bytes, index) => Summarize(decoder.DecodeExtrinsic(bytes), (uint)index, events, contract))];
        }
        catch (Exception ex) when (IsUnreachable(ex, cancellationToken))
        {
            throw Unreachable(ex);
        }
    }

    private static ChainTransactionSummary Summarize(DecodedExtrinsic extrinsic, uint index, IReadOnlyList<ChainEvent> events, ContractJsonClient contract)
    {
        var call = extrinsic.Call;
        var isOwnCall = call is { Pallet: "Contracts", Name: "call" }
            && (call["dest"] is Clients.Substrate.Scale.VariantValue { Name: "Id" } id ? id.Fields[0].Value.AsBytes() : call["dest"].AsBytes())
                .AsSpan().SequenceEqual(contract.Contract.Address);
        if (!isOwnCall)
        {
            return new ChainTransactionSummary(extrinsic.Hash, "", $"{call.Pallet}.{call.Name}", ChainSubmission.Valid);
        }

        var own = events.Where(e => e.ExtrinsicIndex == index).ToList();
        var valid = own.Any(e => e is { Pallet: "System", Name: "ExtrinsicSuccess" }) && own.Any(contract.Contract.IsOwnContractEvent);
        return new ChainTransactionSummary(extrinsic.Hash, DevnetPermissionChain.Contract, contract.MessageOf(call["data"].AsBytes()) ?? "",
            valid ? ChainSubmission.Valid : "REVERTED");
    }

    private async Task<ContractJsonClient> ConnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await connection.GetAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnreachable(ex, cancellationToken))
        {
            throw Unreachable(ex);
        }
    }

    private static ChainSubmission Refused(string validationCode, string errorCode, string message) =>
        new("", validationCode, errorCode, message, 0, 0, "", []);

    private static bool IsUnreachable(Exception ex, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && Clients.Substrate.Rpc.NodeFailures.IsTransient(ex);

    private static RpcException Unreachable(Exception ex) =>
        new(new Status(StatusCode.Unavailable, $"The permission chain's node cannot be reached right now ({ex.Message}); try again shortly."));

    /// <summary>Hands the whole payload to a signer that checks it and hashes it itself (Identity, Substrate format).</summary>
    private sealed class PassThroughSigner(ITransactionSigner remote) : IExtrinsicSigner
    {
        public byte[] PublicKey => remote.PublicKey;

        public ValueTask<byte[]> SignAsync(byte[] payload, CancellationToken cancellationToken) => remote.SignAsync(payload, cancellationToken);
    }
}

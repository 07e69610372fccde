using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HybridEhr.Clients.Devnet;
using HybridEhr.Clients.Fabric;
using HybridEhr.FabricGateway.Identities;
using Grpc.Core;

namespace HybridEhr.FabricGateway.Ledger;

/// <summary>
/// The records chaincode on a real Fabric network, through a Fabric Gateway peer (docs/fabric.md §3). Every chaincode
/// function takes one argument, the JSON object of its named arguments, and returns JSON text.
/// <para>
/// Who signs: with <see cref="FabricMembers"/> that issue identities (the hospitals' CAs are configured), each
/// transaction is signed by the acting user's own Fabric identity from the wallet (looked up by the account id of the
/// <see cref="ITransactionSigner"/>), or by the administrator identity a <see cref="FabricMemberSigner"/> carries; a
/// user without one gets FAILED_PRECONDITION. Queries run as the caller's identity when it has one, otherwise as the
/// gateway's configured identity (the chaincode's queries check no role). Without CAs every call runs as the gateway's
/// configured identity, the devnet signer ignored.
/// </para>
/// </summary>
public sealed partial class FabricRecordsLedger : IRecordsLedger
{
    private readonly Network _network;
    private readonly string _chaincodeName;
    private readonly string? _contractName;
    private readonly FabricMembers? _members;
    private readonly FabricPeerProbe _probe;

    /// <param name="network">The channel as the gateway's configured identity (events, health, reads of callers without an identity).</param>
    /// <param name="members">Per-user identities; null = the configured identity signs everything.</param>
    public FabricRecordsLedger(Network network, string chaincodeName, string? contractName, FabricMembers? members = null)
    {
        _network = network;
        _chaincodeName = chaincodeName;
        _contractName = contractName;
        _members = members;
        _probe = new FabricPeerProbe(network, chaincodeName);
    }

    /// <inheritdoc />
    public async Task<CommittedTransaction> SubmitAsync(ITransactionSigner signer, string function, JsonObject args, CancellationToken cancellationToken)
    {
        var contract = ContractOf(SignerNetwork(signer, function));
        try
        {
            var proposal = contract.NewProposal(function, ArgumentsOf(args));
            var transaction = await proposal.EndorseAsync(cancellationToken).ConfigureAwait(false);
            var submitted = await transaction.SubmitAsync(cancellationToken).ConfigureAwait(false);
            var status = await submitted.GetStatusAsync(cancellationToken).ConfigureAwait(false);
            if (!status.IsSuccessful)
            {
                throw InvalidCommit(status);
            }

            // The commit status carries no block time; nothing downstream reads it, so 0 says "unknown".
            return new CommittedTransaction(status.TransactionId, (long)status.BlockNumber, 0, Encoding.UTF8.GetString(submitted.Result));
        }
        catch (GatewayException error)
        {
            throw ToRpcException(error);
        }
        catch (HttpRequestException error)
        {
            throw Unreachable(error);
        }
    }

    /// <inheritdoc />
    /// <remarks>Runs as <paramref name="callerAccount"/>'s wallet identity when it has one, else as the gateway's identity.</remarks>
    public async Task<string> EvaluateAsync(string callerAccount, string function, JsonObject args, CancellationToken cancellationToken)
    {
        var network = _members?.ReaderNetworkOf(callerAccount) ?? _network;
        try
        {
            var result = await ContractOf(network).EvaluateAsync(function, ArgumentsOf(args), cancellationToken).ConfigureAwait(false);
            return Encoding.UTF8.GetString(result);
        }
        catch (GatewayException error)
        {
            throw ToRpcException(error);
        }
        catch (HttpRequestException error)
        {
            throw Unreachable(error);
        }
    }

    /// <summary>
    /// Not a transaction on Fabric: a member is whoever holds a certificate of the organisation's CA, and the chaincode
    /// reads role and document hash from that certificate's attributes. With the CAs configured the gateway issues it
    /// (<see cref="FabricMembers.Enroll"/>); the result's "transaction id" names the certificate.
    /// </summary>
    public Task<CommittedTransaction> EnrollMemberAsync(
        ITransactionSigner organizationAdmin, string account, IReadOnlyDictionary<string, string> attributes, CancellationToken cancellationToken)
    {
        if (_members is null)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                "On Fabric, membership comes from certificates, not transactions: the hospital's Fabric CA must issue the doctor an " +
                "enrolment certificate with the attributes role=doctor and document_id_hash=<the document hash> (docs/fabric.md)."));
        }

        return Task.FromResult(_members.Enroll(organizationAdmin, account, attributes));
    }

    /// <summary>
    /// The chaincode's events from <paramref name="fromBlock"/> on. Fabric gives events no transaction index, so each
    /// gets its position within its block: the same numbering on every read from a block's start, which keeps the
    /// service's "block:index" checkpoints valid. Block times are not part of chaincode events (0).
    /// </summary>
    public async IAsyncEnumerable<RecordsChainEvent> WatchAsync(long fromBlock, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var options = new ChaincodeEventsOptions { StartBlock = (ulong)Math.Max(0, fromBlock) };
        await using var events = _network.GetChaincodeEventsAsync(_chaincodeName, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        var block = ulong.MaxValue;
        var indexInBlock = 0;
        while (await NextAsync(events).ConfigureAwait(false))
        {
            var e = events.Current;
            indexInBlock = e.BlockNumber == block ? indexInBlock + 1 : 0;
            block = e.BlockNumber;
            yield return new RecordsChainEvent((long)e.BlockNumber, indexInBlock, e.TransactionId, 0, e.EventName, Encoding.UTF8.GetString(e.Payload));
        }
    }

    public async Task<bool> IsReachableAsync(CancellationToken cancellationToken) =>
        (await CheckPeerAsync(cancellationToken).ConfigureAwait(false)).IsHealthy;

    /// <summary>Whether the peer answers for the chaincode, and why not (health).</summary>
    public Task<FabricPeerProbeResult> CheckPeerAsync(CancellationToken cancellationToken) => _probe.CheckAsync(cancellationToken);

    /// <summary>
    /// A contract error found in a peer's message becomes the same status as on the devnet; anything else keeps the
    /// gateway's status, with its per-peer details in the message.
    /// </summary>
    internal static RpcException ToRpcException(GatewayException error)
    {
        var peerMessages = error.Details.Select(detail => detail.Message);
        var gatewayMessage = (error.InnerException as RpcException)?.Status.Detail ?? "";
        foreach (var message in peerMessages.Append(gatewayMessage))
        {
            if (ContractErrorOf(message) is var (code, detail))
            {
                return ContractErrors.ToException(code, detail);
            }
        }

        var status = error.StatusCode is StatusCode.DeadlineExceeded ? StatusCode.Unavailable : error.StatusCode;
        return new RpcException(new Status(status, $"Fabric gateway: {error.Message}"));
    }

    /// <summary>
    /// "CODE: detail" at the start of a message or after fabric-shim's "chaincode response 500, " prefix, as the
    /// chaincode's ContractError writes it; null when the message is not a contract error.
    /// </summary>
    internal static (string Code, string Detail)? ContractErrorOf(string message)
    {
        var match = ContractErrorPattern().Match(message);
        return match.Success ? (match.Groups["code"].Value, match.Groups["detail"].Value) : null;
    }

    [GeneratedRegex(@"(?:^|chaincode response \d+, )(?<code>[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*): (?<detail>.*)", RegexOptions.Singleline)]
    private static partial Regex ContractErrorPattern();

    /// <summary>An ordered transaction the peers marked invalid: read conflicts are retryable (ABORTED).</summary>
    private static RpcException InvalidCommit(CommitStatus status)
    {
        var code = status.Code switch
        {
            global::Protos.TxValidationCode.MvccReadConflict or global::Protos.TxValidationCode.PhantomReadConflict => "MVCC_CONFLICT",
            var other => other.ToString(),
        };
        return ContractErrors.ToException(code, $"transaction {status.TransactionId} was committed in block {status.BlockNumber} as invalid ({status.Code})");
    }

    private static RpcException Unreachable(HttpRequestException error) =>
        new(new Status(StatusCode.Unavailable, $"Fabric gateway peer unreachable: {error.Message}"));

    private Network SignerNetwork(ITransactionSigner signer, string function)
    {
        if (_members is null)
        {
            return _network;
        }

        return _members.NetworkOf(signer) ?? throw new RpcException(new Status(StatusCode.FailedPrecondition,
            $"Account {signer.AccountId} has no Fabric identity, so it cannot sign '{function}' on Fabric: only doctors get one, " +
            "issued by their hospital's CA when they register (EnrollMember); patients never write to the records chain."));
    }

    private Contract ContractOf(Network network) => network.GetContract(_chaincodeName, _contractName);

    private static ProposalOptions ArgumentsOf(JsonObject args) => ProposalOptions.WithArguments(args.ToJsonString());

    private static async Task<bool> NextAsync(IAsyncEnumerator<ChaincodeEvent> events)
    {
        try
        {
            return await events.MoveNextAsync().ConfigureAwait(false);
        }
        catch (GatewayException error)
        {
            throw ToRpcException(error);
        }
    }
}

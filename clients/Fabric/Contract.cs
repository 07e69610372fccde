
namespace HybridEhr.Clients.Fabric;

/// <summary>A chaincode (and optionally one named contract in it) on a channel: evaluate, submit or build proposals.</summary>
public sealed class Contract
{
    private readonly Gateway _gateway;

    internal Contract(Gateway gateway, string channelName, string chaincodeName, string? contractName)
    {
        _gateway = gateway;
        ChannelName = channelName;
        ChaincodeName = chaincodeName;
        ContractName = contractName;
    }

    public string ChannelName { get; }

    public string ChaincodeName { get; }

    public string? ContractName { get; }

    /// <summary>A query: runs on one peer, changes nothing; returns the function's result.</summary>
    public Task<byte[]> EvaluateTransactionAsync(string name, params string[] arguments) =>
        EvaluateAsync(name, ProposalOptions.WithArguments(arguments));

    public Task<byte[]> EvaluateAsync(string name, ProposalOptions options, CancellationToken cancellationToken = default) =>
        NewProposal(name, options).EvaluateAsync(cancellationToken);

    /// <summary>Endorse → sign → submit → wait for the commit; throws <see cref="CommitException"/> when it is invalid.</summary>
    public Task<byte[]> SubmitTransactionAsync(string name, params string[] arguments) =>
        SubmitAsync(name, ProposalOptions.WithArguments(arguments));

    public async Task<byte[]> SubmitAsync(string name, ProposalOptions options, CancellationToken cancellationToken = default)
    {
        var transaction = await NewProposal(name, options).EndorseAsync(cancellationToken).ConfigureAwait(false);
        var submitted = await transaction.SubmitAsync(cancellationToken).ConfigureAwait(false);
        var status = await submitted.GetStatusAsync(cancellationToken).ConfigureAwait(false);
        return status.IsSuccessful ? submitted.Result : throw new CommitException(status);
    }

    /// <summary>The low-level first step: an unsigned proposal for a caller that signs elsewhere or steps through.</summary>
    public Proposal NewProposal(string name, ProposalOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var context = new TransactionContext(_gateway.Identity);
        var proposed = ProposalBuilder.Build(
            context, ChannelName, ChaincodeName, QualifiedName(name), options ?? new ProposalOptions(), _gateway.Time.GetUtcNow());
        return new Proposal(_gateway.Client, _gateway, ChannelName, proposed);
    }

    /// <summary>"contract:function" when a contract is named, as fabric-contract-api routes calls.</summary>
    private string QualifiedName(string name) => ContractName is null ? name : $"{ContractName}:{name}";
}

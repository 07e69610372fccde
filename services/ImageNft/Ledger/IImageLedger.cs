using Grpc.Core;
namespace HybridEhr.ImageNft.Ledger;

/// <summary>An image token as the records contract returns it (get_token, mint_image). Immutable once minted.</summary>
public sealed record ChainToken(
    string TokenId,
    string Owner,
    string RecordId,
    string TokenUri,
    string ContentHash,
    string MintedBy,
    string Organization,
    long MintedAtUnixMs)
{
    public const string UriScheme = "ipfs://";

    /// <summary>The CID the token URI names; empty if the URI is not ipfs://.</summary>
    public string Cid => TokenUri.StartsWith(UriScheme, StringComparison.Ordinal) ? TokenUri[UriScheme.Length..] : "";
}

/// <summary>What mint_image is asked to record. Only hashes and ids: the arguments are visible to every channel member.</summary>
public sealed record MintArguments(string TokenId, string Patient, string RecordId, string TokenUri, string ContentHash);

/// <summary>A committed mint: the token and where the ledger put it.</summary>
public sealed record MintReceipt(ChainToken Token, string TxId, ulong BlockNumber);

/// <summary>
/// The records contract's image functions, reached through FabricGateway (Submit/Evaluate). Contract refusals
/// arrive as <see cref="Grpc.Core.RpcException"/> with the status <see cref="ContractErrors"/> assigns.
/// </summary>
public interface IImageLedger
{
    /// <summary>mint_image, signed by the calling doctor and endorsed by their organisation.</summary>
    Task<MintReceipt> MintAsync(MintArguments mint, string? organisationMspId, CancellationToken cancellationToken);

    /// <summary>get_token; null when the token does not exist.</summary>
    Task<ChainToken?> GetTokenAsync(string tokenId, CancellationToken cancellationToken);

    /// <summary>get_record's patient; null when the record does not exist.</summary>
    Task<string?> GetRecordPatientAsync(string recordId, CancellationToken cancellationToken);

    /// <summary>tokens_of: the ids of every token the account owns.</summary>
    Task<IReadOnlyList<string>> TokensOfAsync(string ownerAccountId, CancellationToken cancellationToken);
}

using Google.Protobuf.WellKnownTypes;
using HybridEhr.Contracts.ImageNft.V1;
using HybridEhr.ImageNft.Ledger;
using HybridEhr.ImageNft.Storage;

namespace HybridEhr.ImageNft.Tokens;

/// <summary>The API's ImageToken: the chain's token, completed with what this service stored (size, type, mint tx).</summary>
public static class ImageTokenMapper
{
    public static ImageToken ToProto(ChainToken token, ImageEntry? entry) => new()
    {
        TokenId = token.TokenId,
        OwnerAccountId = token.Owner,
        TokenUri = token.TokenUri,
        Cid = token.Cid,
        ContentHash = token.ContentHash,
        RecordId = token.RecordId,
        MintedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(token.MintedAtUnixMs)),
        MintedByAccountId = token.MintedBy,
        OrganisationMspId = token.Organization,
        MintTxId = entry?.MintTxId ?? "",
        SizeBytes = entry?.SizeBytes ?? 0,
        ContentType = entry?.ContentType ?? "",
    };
}

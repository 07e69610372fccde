using System.Text.Json.Nodes;
using HybridEhr.Devnet.Contracts.Common;
using HybridEhr.Devnet.Ledger;

namespace HybridEhr.Devnet.Contracts.Records;

/// <summary>Soulbound image NFTs: minted to a patient, never transferred.</summary>
internal sealed class ImageTokenBook(IContractContext context)
{
    private readonly TypedState state = new(context);

    public ImageToken Require(string tokenId) =>
        state.Get<ImageToken>(RecordsKeys.Token(tokenId))
        ?? throw new ContractException(RecordsErrors.TokenNotFound, $"token {tokenId} does not exist");

    /// <summary>
    /// Mints before or after its record exists (images are usually minted first, then the record lists them); when the
    /// record exists already it must belong to the same patient.
    /// </summary>
    public ImageToken Mint(ImageToken token, EhrRecord? record)
    {
        if (state.Exists(RecordsKeys.Token(token.TokenId)))
        {
            throw new ContractException(RecordsErrors.TokenExists, $"token {token.TokenId} already exists");
        }

        if (record is not null && record.Patient != token.Owner)
        {
            throw new ContractException(RecordsErrors.PatientMismatch, $"record {record.RecordId} belongs to another patient");
        }

        state.Put(RecordsKeys.Token(token.TokenId), token);
        state.Put(RecordsKeys.OwnerToken(token.Owner, token.TokenId), new IdIndex(token.TokenId));
        context.EmitEvent("ImageMinted", new JsonObject
        {
            ["token_id"] = token.TokenId,
            ["owner"] = token.Owner,
            ["record_id"] = token.RecordId,
            ["token_uri"] = token.TokenUri,
            ["content_hash"] = token.ContentHash,
        });
        return token;
    }

    public IEnumerable<string> TokensOf(string owner) =>
        state.Scan<IdIndex>(RecordsKeys.TokensOfOwner(owner)).Select(index => index.Id);

    /// <summary>A record may only list images minted for it and owned by its patient.</summary>
    public void RequireImagesOf(string recordId, string patient, IEnumerable<string> tokenIds)
    {
        foreach (var tokenId in tokenIds)
        {
            var token = Require(tokenId);
            if (token.Owner != patient)
            {
                throw new ContractException(RecordsErrors.PatientMismatch, $"token {tokenId} belongs to another patient");
            }

            if (token.RecordId != recordId)
            {
                throw new ContractException(RecordsErrors.TokenRecordMismatch, $"token {tokenId} was minted for record {token.RecordId}");
            }
        }
    }
}

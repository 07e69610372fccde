using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using HybridEhr.Contracts.ImageNft.V1;
using Grpc.Core;
using HybridEhr.ImageNft.Access;
using HybridEhr.ImageNft.Ledger;
using HybridEhr.ImageNft.Storage;
using HybridEhr.Security;

namespace HybridEhr.ImageNft.Tokens;

/// <summary>GetToken and ListTokens: tokens as the chain records them, to those who may see the patient's images.</summary>
public sealed class ImageTokenQueries(ImageAccessPolicy policy, IImageLedger ledger, ImageCatalog catalog)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    // Tokens never change once minted (soulbound, no update function), so a token read once can be kept.
    private readonly ConcurrentDictionary<string, ChainToken> _tokens = new(StringComparer.Ordinal);

    public async Task<ImageToken> GetTokenAsync(Caller caller, string tokenId, CancellationToken cancellationToken)
    {
        if (!Identifiers.IsRecordOrTokenId(tokenId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "token_id must be 1-128 characters of A-Z a-z 0-9 . _ : -"));
        }

        var token = await FindTokenAsync(tokenId, cancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"No image token '{tokenId}' exists."));
        await policy.AuthorizeReadAsync(caller, token.Owner, servicesAllowed: true, cancellationToken).ConfigureAwait(false);
        return ImageTokenMapper.ToProto(token, await catalog.FindAsync(tokenId, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Newest first (then by token id); the page token is the position of the last token returned, so pages
    /// stay consistent while new images are minted.</summary>
    public async Task<ListTokensResponse> ListTokensAsync(Caller caller, ListTokensRequest request, CancellationToken cancellationToken)
    {
        var patient = request.PatientAccountId.Length == 0 && caller.IsPatient ? caller.AccountId : request.PatientAccountId;
        if (!Identifiers.IsAccountId(patient))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "patient_account_id must be an account id: '0x' and 64 lower-case hex digits."));
        }

        if (request.RecordId.Length > 0 && !Identifiers.IsRecordOrTokenId(request.RecordId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "record_id must be empty or 1-128 characters of A-Z a-z 0-9 . _ : -"));
        }

        if (request.PageSize is < 0 or > MaxPageSize)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"page_size must be 0 (= {DefaultPageSize}) to {MaxPageSize}."));
        }

        var after = PagePosition.Parse(request.PageToken);
        await policy.AuthorizeReadAsync(caller, patient, servicesAllowed: true, cancellationToken).ConfigureAwait(false);

        var tokens = new List<ChainToken>();
        foreach (var tokenId in await ledger.TokensOfAsync(patient, cancellationToken).ConfigureAwait(false))
        {
            if (await FindTokenAsync(tokenId, cancellationToken).ConfigureAwait(false) is { } token
                && (request.RecordId.Length == 0 || token.RecordId == request.RecordId))
            {
                tokens.Add(token);
            }
        }

        var ordered = tokens
            .OrderByDescending(t => t.MintedAtUnixMs).ThenBy(t => t.TokenId, StringComparer.Ordinal)
            .Where(t => after is null || after.IsBefore(t))
            .ToList();
        var pageSize = request.PageSize == 0 ? DefaultPageSize : request.PageSize;
        var page = ordered.Take(pageSize).ToList();
        var response = new ListTokensResponse
        {
            NextPageToken = ordered.Count > pageSize ? new PagePosition(page[^1].MintedAtUnixMs, page[^1].TokenId).ToToken() : "",
        };
        foreach (var token in page)
        {
            response.Tokens.Add(ImageTokenMapper.ToProto(token, await catalog.FindAsync(token.TokenId, cancellationToken).ConfigureAwait(false)));
        }

        return response;
    }

    private async Task<ChainToken?> FindTokenAsync(string tokenId, CancellationToken cancellationToken)
    {
        if (_tokens.TryGetValue(tokenId, out var known))
        {
            return known;
        }

        var token = await ledger.GetTokenAsync(tokenId, cancellationToken).ConfigureAwait(false);
        if (token is not null)
        {
            _tokens.TryAdd(tokenId, token);
        }

        return token;
    }

    /// <summary>The (minted_at, token_id) of the last token of a page, carried in base64url as "v1:&lt;ms&gt;:&lt;id&gt;".</summary>
    internal sealed record PagePosition(long MintedAtUnixMs, string TokenId)
    {
        /// <summary>True when <paramref name="token"/> comes after this position in the listing order.</summary>
        public bool IsBefore(ChainToken token) =>
            token.MintedAtUnixMs < MintedAtUnixMs
            || (token.MintedAtUnixMs == MintedAtUnixMs && string.CompareOrdinal(token.TokenId, TokenId) > 0);

        public string ToToken() =>
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"v1:{MintedAtUnixMs.ToString(CultureInfo.InvariantCulture)}:{TokenId}"))
                .TrimEnd('=').Replace('+', '-').Replace('/', '_');

        public static PagePosition? Parse(string pageToken)
        {
            if (pageToken.Length == 0)
            {
                return null;
            }

            try
            {
                var base64 = pageToken.Replace('-', '+').Replace('_', '/');
                var parts = Encoding.UTF8.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '='))).Split(':', 3);
                if (parts.Length == 3 && parts[0] == "v1" && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var mintedAt)
                    && Identifiers.IsRecordOrTokenId(parts[2]))
                {
                    return new PagePosition(mintedAt, parts[2]);
                }
            }
            catch (FormatException)
            {
            }

            throw new RpcException(new Status(StatusCode.InvalidArgument, "page_token is not one this service issued; start again without it."));
        }
    }
}

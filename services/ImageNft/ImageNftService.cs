using HybridEhr.Contracts.ImageNft.V1;
using Grpc.Core;
using HybridEhr.ImageNft.Downloads;
using HybridEhr.ImageNft.Tokens;
using HybridEhr.ImageNft.Uploads;
using HybridEhr.Security;
using ImageNftApi = HybridEhr.Contracts.ImageNft.V1.ImageNft;

namespace HybridEhr.ImageNft;

/// <summary>
/// hybridehr.imagenft.v1.ImageNft: the gRPC edge. Each RPC names its caller and hands over to the use case. There is no
/// transfer RPC: the tokens are soulbound, and the contract refuses transfer_token for everyone.
/// </summary>
public sealed class ImageNftService(ImageUploads uploads, ImageDownloads downloads, ImageTokenQueries tokens) : ImageNftApi.ImageNftBase
{
    public override Task<UploadImageResponse> UploadImage(IAsyncStreamReader<UploadImageRequest> requests, ServerCallContext context) =>
        uploads.UploadAsync(context.GetCaller(), requests.ReadAllAsync(context.CancellationToken), context.CancellationToken);

    public override Task GetImage(GetImageRequest request, IServerStreamWriter<GetImageResponse> responseStream, ServerCallContext context) =>
        downloads.DownloadAsync(context.GetCaller(), request.TokenId, message => responseStream.WriteAsync(message, context.CancellationToken),
            context.CancellationToken);

    public override async Task<GetTokenResponse> GetToken(GetTokenRequest request, ServerCallContext context) =>
        new() { Token = await tokens.GetTokenAsync(context.GetCaller(), request.TokenId, context.CancellationToken).ConfigureAwait(false) };

    public override Task<ListTokensResponse> ListTokens(ListTokensRequest request, ServerCallContext context) =>
        tokens.ListTokensAsync(context.GetCaller(), request, context.CancellationToken);
}

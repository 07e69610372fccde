using HybridEhr.Contracts.Records.V1;
using Grpc.Core;
using HybridEhr.Records.Application;
using HybridEhr.Records.Chain;
using HybridEhr.Security;
using RecordsApi = HybridEhr.Contracts.Records.V1.Records;
using Microsoft.AspNetCore.Authorization;

namespace HybridEhr.Records;

/// <summary>hybridehr.records.v1.Records: authenticates the caller and hands over to <see cref="RecordKeeper"/>.</summary>
public sealed class RecordsService(RecordKeeper keeper) : RecordsApi.RecordsBase
{
    public override Task<CreateRecordResponse> CreateRecord(CreateRecordRequest request, ServerCallContext context) =>
        Run(() => keeper.CreateAsync(context.GetCaller(), request, context.CancellationToken));

    public override Task<UpdateRecordResponse> UpdateRecord(UpdateRecordRequest request, ServerCallContext context) =>
        Run(() => keeper.UpdateAsync(context.GetCaller(), request, context.CancellationToken));

    public override Task<GetRecordResponse> GetRecord(GetRecordRequest request, ServerCallContext context) =>
        Run(() => keeper.GetAsync(context.GetCaller(), request, context.CancellationToken));

    public override Task<ListRecordsResponse> ListRecords(ListRecordsRequest request, ServerCallContext context) =>
        Run(() => keeper.ListAsync(context.GetCaller(), request, context.CancellationToken));

    public override Task<GetRecordHistoryResponse> GetRecordHistory(GetRecordHistoryRequest request, ServerCallContext context) =>
        Run(() => keeper.GetHistoryAsync(context.GetCaller(), request, context.CancellationToken));

    public override Task<VerifyRecordResponse> VerifyRecord(VerifyRecordRequest request, ServerCallContext context) =>
        Run(() => keeper.VerifyAsync(context.GetCaller(), request, context.CancellationToken));

    public override Task<CreateShareLinkResponse> CreateShareLink(CreateShareLinkRequest request, ServerCallContext context) =>
        Run(() => keeper.CreateShareLinkAsync(context.GetCaller(), request, context.CancellationToken));

    /// <summary>The one anonymous method: its token is the share link itself.</summary>
    [AllowAnonymous]
    public override Task<OpenShareLinkResponse> OpenShareLink(OpenShareLinkRequest request, ServerCallContext context) =>
        Run(() => keeper.OpenShareLinkAsync(request.Token, context.GetHttpContext().Connection.RemoteIpAddress?.ToString() ?? "unknown", context.CancellationToken));

    /// <summary>A chain read that fails outside a write (writes map their own) means the anchor cannot be checked now.</summary>
    private static async Task<T> Run<T>(Func<Task<T>> operation)
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (ChainCallException ex)
        {
            throw new RpcException(new Status(ex.Status == StatusCode.PermissionDenied ? StatusCode.PermissionDenied : StatusCode.Unavailable,
                $"The record's chain anchor cannot be read right now ({ex.Status}: {ex.Message}); nothing is served unchecked. Retry shortly."));
        }
    }
}

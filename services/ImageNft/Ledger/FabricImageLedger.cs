using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using HybridEhr.Contracts.FabricGateway.V1;
using Grpc.Core;
using FabricGatewayApi = HybridEhr.Contracts.FabricGateway.V1.FabricGateway;

namespace HybridEhr.ImageNft.Ledger;

/// <summary>
/// The records contract through FabricGateway: function name plus args[0] = the JSON object of contract arguments.
/// The channel forwards the caller's token, so the mint is signed with the doctor's own key and reads answer as them.
/// </summary>
public sealed class FabricImageLedger(FabricGatewayApi.FabricGatewayClient gateway) : IImageLedger
{
    private static readonly TimeSpan SubmitTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan EvaluateTimeout = TimeSpan.FromSeconds(10);

    public async Task<MintReceipt> MintAsync(MintArguments mint, string? organisationMspId, CancellationToken cancellationToken)
    {
        var request = new SubmitRequest
        {
            Function = "mint_image",
            OrganisationMspId = organisationMspId ?? "",
            Args =
            {
                Arguments(new JsonObject
                {
                    ["token_id"] = mint.TokenId,
                    ["patient"] = mint.Patient,
                    ["record_id"] = mint.RecordId,
                    ["token_uri"] = mint.TokenUri,
                    ["content_hash"] = mint.ContentHash,
                }),
            },
        };
        try
        {
            var response = await gateway.SubmitAsync(request, new CallOptions(deadline: DateTime.UtcNow.Add(SubmitTimeout), cancellationToken: cancellationToken)).ResponseAsync.ConfigureAwait(false);
            return new MintReceipt(ParseToken(response.Result.Memory), response.TxId, response.BlockNumber);
        }
        catch (RpcException error)
        {
            throw ContractErrors.Translate(error, "the mint");
        }
    }

    public async Task<ChainToken?> GetTokenAsync(string tokenId, CancellationToken cancellationToken)
    {
        var result = await EvaluateAsync("get_token", new JsonObject { ["token_id"] = tokenId }, ContractErrors.TokenNotFound, cancellationToken).ConfigureAwait(false);
        return result is { } json ? ParseToken(json) : null;
    }

    public async Task<string?> GetRecordPatientAsync(string recordId, CancellationToken cancellationToken)
    {
        var result = await EvaluateAsync("get_record", new JsonObject { ["record_id"] = recordId }, ContractErrors.RecordNotFound, cancellationToken).ConfigureAwait(false);
        return result is not { } json ? null : Parse(json)["patient"]?.GetValue<string>() ?? throw Malformed("get_record");
    }

    public async Task<IReadOnlyList<string>> TokensOfAsync(string ownerAccountId, CancellationToken cancellationToken)
    {
        var result = await EvaluateAsync("tokens_of", new JsonObject { ["owner"] = ownerAccountId }, notFoundCode: null, cancellationToken).ConfigureAwait(false);
        return result is not { } json ? [] : JsonSerializer.Deserialize<string[]>(json.Span) ?? throw Malformed("tokens_of");
    }

    /// <summary>The function's result; null when the contract answered <paramref name="notFoundCode"/>.</summary>
    private async Task<ReadOnlyMemory<byte>?> EvaluateAsync(string function, JsonObject arguments, string? notFoundCode, CancellationToken cancellationToken)
    {
        var request = new EvaluateRequest { Function = function, Args = { Arguments(arguments) } };
        try
        {
            var response = await gateway.EvaluateAsync(request, new CallOptions(deadline: DateTime.UtcNow.Add(EvaluateTimeout), cancellationToken: cancellationToken)).ResponseAsync.ConfigureAwait(false);
            return response.Result.Memory;
        }
        catch (RpcException error) when (notFoundCode is not null && ContractErrors.CodeOf(error) == notFoundCode)
        {
            return null;
        }
        catch (RpcException error)
        {
            throw ContractErrors.Translate(error, function);
        }
    }

    private static ByteString Arguments(JsonObject arguments) => ByteString.CopyFromUtf8(arguments.ToJsonString());

    internal static ChainToken ParseToken(ReadOnlyMemory<byte> json)
    {
        var token = Parse(json);
        try
        {
            return new ChainToken(
                token["token_id"]!.GetValue<string>(),
                token["owner"]!.GetValue<string>(),
                token["record_id"]!.GetValue<string>(),
                token["token_uri"]!.GetValue<string>(),
                token["content_hash"]!.GetValue<string>(),
                token["minted_by"]!.GetValue<string>(),
                token["organization"]!.GetValue<string>(),
                token["minted_at"]!.GetValue<long>());
        }
        catch (Exception ex) when (ex is NullReferenceException or InvalidOperationException or FormatException)
        {
            throw Malformed("get_token");
        }
    }

    private static JsonObject Parse(ReadOnlyMemory<byte> json)
    {
        try
        {
            return JsonNode.Parse(json.Span) as JsonObject ?? throw Malformed("the contract");
        }
        catch (JsonException)
        {
            throw Malformed("the contract");
        }
    }

    private static RpcException Malformed(string function) =>
        new(new Status(StatusCode.Internal, $"The records contract's answer to {function} is not in the expected shape."));
}

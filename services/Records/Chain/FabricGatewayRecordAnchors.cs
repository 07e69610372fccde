using System.Text.Json.Nodes;
using System.Text;
using System.Text.RegularExpressions;
using Google.Protobuf;
using HybridEhr.Contracts.FabricGateway.V1;
using Grpc.Core;
using HybridEhr.ServiceDefaults.Writes;
using FabricGatewayApi = HybridEhr.Contracts.FabricGateway.V1.FabricGateway;

namespace HybridEhr.Records.Chain;

/// <summary>
/// The records contract through FabricGateway. The client forwards the current caller's token, so a write is
/// signed with the acting doctor's own key and a read answers as the caller. Arguments follow chaincode/spec/README.md:
/// one JSON object (UTF-8) as args[0].
/// </summary>
public sealed partial class FabricGatewayRecordAnchors(FabricGatewayApi.FabricGatewayClient gateway) : IRecordAnchors
{
    private static readonly TimeSpan SubmitTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan EvaluateTimeout = TimeSpan.FromSeconds(10);

    public Task<AnchorReceipt> CreateAsync(AnchorRequest request, string organisationMspId, CancellationToken cancellationToken) =>
        SubmitAsync("create_record", new JsonObject
        {
            ["record_id"] = request.RecordId,
            ["patient"] = request.PatientAccountId,
            ["plaintext_hash"] = request.PlaintextHash,
            ["ciphertext_hash"] = request.CiphertextHash,
            ["image_token_ids"] = TokenArray(request.ImageTokenIds),
        }, organisationMspId, cancellationToken);

    // update_record takes no patient (the chain keeps the record's own) and always gets the full image list, because
    // each version's document is complete: an image left out of the document is no longer listed.
    public Task<AnchorReceipt> UpdateAsync(AnchorRequest request, long expectedVersion, string organisationMspId, CancellationToken cancellationToken) =>
        SubmitAsync("update_record", new JsonObject
        {
            ["record_id"] = request.RecordId,
            ["expected_version"] = expectedVersion,
            ["plaintext_hash"] = request.PlaintextHash,
            ["ciphertext_hash"] = request.CiphertextHash,
            ["image_token_ids"] = TokenArray(request.ImageTokenIds),
        }, organisationMspId, cancellationToken);

    public async Task<ChainRecord?> GetAsync(string recordId, CancellationToken cancellationToken)
    {
        var result = await EvaluateOrNullAsync("get_record", recordId, cancellationToken).ConfigureAwait(false);
        return result is null ? null : ParseRecord(result);
    }

    public async Task<IReadOnlyList<ChainHistoryEntry>> GetHistoryAsync(string recordId, CancellationToken cancellationToken)
    {
        var result = await EvaluateOrNullAsync("get_record_history", recordId, cancellationToken).ConfigureAwait(false);
        if (result is not JsonArray entries)
        {
            return [];
        }

        return [.. entries.Select(e => new ChainHistoryEntry(
            e!["transaction_id"]!.GetValue<string>(),
            DateTimeOffset.FromUnixTimeMilliseconds(e["timestamp"]!.GetValue<long>()),
            ParseRecord(e["record"]!)))];
    }

    private async Task<AnchorReceipt> SubmitAsync(string function, JsonObject args, string organisationMspId, CancellationToken cancellationToken)
    {
        var request = new SubmitRequest { Function = function, OrganisationMspId = organisationMspId };
        request.Args.Add(ByteString.CopyFrom(Encoding.UTF8.GetBytes(args.ToJsonString())));
        try
        {
            var response = await gateway.SubmitAsync(request, new CallOptions(deadline: DateTime.UtcNow.Add(SubmitTimeout), cancellationToken: cancellationToken)).ResponseAsync.ConfigureAwait(false);
            return new AnchorReceipt(response.TxId, response.BlockNumber, ParseRecord(JsonNode.Parse(response.Result.ToStringUtf8())!));
        }
        catch (RpcException ex)
        {
            throw Translate(ex);
        }
    }

    private async Task<JsonNode?> EvaluateOrNullAsync(string function, string recordId, CancellationToken cancellationToken)
    {
        var request = new EvaluateRequest { Function = function };
        request.Args.Add(ByteString.CopyFrom(Encoding.UTF8.GetBytes(new JsonObject { ["record_id"] = recordId }.ToJsonString())));
        try
        {
            var response = await gateway.EvaluateAsync(request, new CallOptions(deadline: DateTime.UtcNow.Add(EvaluateTimeout), cancellationToken: cancellationToken)).ResponseAsync.ConfigureAwait(false);
            return JsonNode.Parse(response.Result.ToStringUtf8());
        }
        catch (RpcException ex)
        {
            var translated = Translate(ex);
            if (translated.ContractCode == "RECORD_NOT_FOUND" || (translated.ContractCode is null && translated.Status == StatusCode.NotFound))
            {
                return null;
            }

            throw translated;
        }
    }

    /// <summary>The contract's code may come as the status detail's prefix or anywhere in it, depending on the gateway's mapping; both are recognised.</summary>
    internal static ChainCallException Translate(RpcException ex)
    {
        var match = ContractCode().Match(ex.Status.Detail);
        return new ChainCallException(ex.Status.StatusCode, match.Success ? match.Value : null, ex.Status.Detail, WriteFailure.ProvesNotSent(ex));
    }

    private static JsonArray TokenArray(IReadOnlyList<string> tokenIds) => [.. tokenIds.Select(id => (JsonNode)JsonValue.Create(id))];

    private static ChainRecord ParseRecord(JsonNode node) => new(
        node["record_id"]!.GetValue<string>(),
        node["patient"]!.GetValue<string>(),
        node["version"]!.GetValue<long>(),
        node["plaintext_hash"]!.GetValue<string>(),
        node["ciphertext_hash"]!.GetValue<string>(),
        [.. (node["image_token_ids"] as JsonArray ?? []).Select(t => t!.GetValue<string>())],
        node["author"]!.GetValue<string>(),
        node["organization"]!.GetValue<string>(),
        DateTimeOffset.FromUnixTimeMilliseconds(node["created_at"]!.GetValue<long>()),
        DateTimeOffset.FromUnixTimeMilliseconds(node["updated_at"]!.GetValue<long>()));

    [GeneratedRegex(@"\b(NOT_ENROLLED_DOCTOR|RECORD_EXISTS|RECORD_NOT_FOUND|VERSION_CONFLICT|TOKEN_NOT_FOUND|TOKEN_EXISTS|PATIENT_MISMATCH|TOKEN_RECORD_MISMATCH|UNKNOWN_FUNCTION|ORGANIZATION_NOT_FOUND)\b")]
    private static partial Regex ContractCode();
}

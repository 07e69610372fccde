using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace HybridEhr.Devnet.Contracts.Common;

/// <summary>
/// The one JSON convention of state values, results and event payloads: snake_case names, nulls written, declaration
/// order kept, so that every node serialises a value to the same bytes.
/// </summary>
public static class ContractJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        WriteIndented = false,
    };

    public static byte[] ToBytes<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    public static T FromBytes<T>(byte[] bytes) =>
        JsonSerializer.Deserialize<T>(bytes, Options)
        ?? throw new InvalidOperationException($"State holds JSON null where a {typeof(T).Name} was expected.");

    public static JsonNode? ToNode<T>(T value) => JsonSerializer.SerializeToNode(value, Options);

    public static JsonObject ToObject<T>(T value) =>
        ToNode(value) as JsonObject ?? throw new InvalidOperationException($"{typeof(T).Name} is not a JSON object.");

    public static JsonArray ToArray<T>(IEnumerable<T> values) => new([.. values.Select(value => ToNode(value))]);
}

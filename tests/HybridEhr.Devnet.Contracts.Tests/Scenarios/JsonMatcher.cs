using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HybridEhr.Devnet.Contracts.Tests.Scenarios;

/// <summary>
/// The spec's two comparisons. Exact: same JSON value (object key order ignored, numbers by value). Subset: every
/// key the expected object names matches recursively, arrays have the same length and match element by element.
/// Both return null on a match, else a path and reason.
/// </summary>
public static class JsonMatcher
{
    public static string? Exact(JsonNode? expected, JsonNode? actual) => Compare(expected, actual, subset: false, "$");

    public static string? Subset(JsonNode? expected, JsonNode? actual) => Compare(expected, actual, subset: true, "$");

    /// <summary>Top-level arrays compared as multisets (elements still compared exactly or as subsets).</summary>
    public static string? Unordered(JsonArray expected, JsonNode? actual, bool subset)
    {
        if (actual is not JsonArray actualArray)
        {
            return $"$: expected an array, got {Show(actual)}";
        }

        if (expected.Count != actualArray.Count)
        {
            return $"$: expected {expected.Count} elements, got {actualArray.Count}";
        }

        // Small arrays only, so a plain backtracking assignment is enough.
        var used = new bool[actualArray.Count];
        return Assign(0) ? null : "$: no ordering of the actual elements matches the expected ones";

        bool Assign(int index)
        {
            if (index == expected.Count)
            {
                return true;
            }

            for (var candidate = 0; candidate < actualArray.Count; candidate++)
            {
                if (!used[candidate] && Compare(expected[index], actualArray[candidate], subset, "$") is null)
                {
                    used[candidate] = true;
                    if (Assign(index + 1))
                    {
                        return true;
                    }

                    used[candidate] = false;
                }
            }

            return false;
        }
    }

    public static string Show(JsonNode? node) => node?.ToJsonString() ?? "null";

    private static string? Compare(JsonNode? expected, JsonNode? actual, bool subset, string path)
    {
        switch (expected)
        {
            case null:
                return actual is null ? null : $"{path}: expected null, got {Show(actual)}";

            case JsonObject expectedObject:
                if (actual is not JsonObject actualObject)
                {
                    return $"{path}: expected an object, got {Show(actual)}";
                }

                if (!subset)
                {
                    var extra = actualObject.Select(pair => pair.Key).Where(key => !expectedObject.ContainsKey(key)).ToList();
                    if (extra.Count > 0)
                    {
                        return $"{path}: unexpected key(s) {string.Join(", ", extra)}";
                    }
                }

                foreach (var (key, value) in expectedObject)
                {
                    if (!actualObject.TryGetPropertyValue(key, out var actualValue))
                    {
                        return $"{path}.{key}: missing";
                    }

                    if (Compare(value, actualValue, subset, $"{path}.{key}") is { } problem)
                    {
                        return problem;
                    }
                }

                return null;

            case JsonArray expectedArray:
                if (actual is not JsonArray actualArray)
                {
                    return $"{path}: expected an array, got {Show(actual)}";
                }

                if (expectedArray.Count != actualArray.Count)
                {
                    return $"{path}: expected {expectedArray.Count} elements, got {actualArray.Count} ({Show(actual)})";
                }

                for (var index = 0; index < expectedArray.Count; index++)
                {
                    if (Compare(expectedArray[index], actualArray[index], subset, $"{path}[{index}]") is { } problem)
                    {
                        return problem;
                    }
                }

                return null;

            default:
                return ScalarsEqual((JsonValue)expected, actual) ? null : $"{path}: expected {Show(expected)}, got {Show(actual)}";
        }
    }

    private static bool ScalarsEqual(JsonValue expected, JsonNode? actual)
    {
        if (actual is not JsonValue actualValue)
        {
            return false;
        }

        var kind = expected.GetValueKind();
        var actualKind = actualValue.GetValueKind();
        if (kind != actualKind)
        {
            return false;
        }

        return kind switch
        {
            JsonValueKind.String => expected.GetValue<string>() == actualValue.GetValue<string>(),
            JsonValueKind.Number => decimal.Parse(expected.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture)
                == decimal.Parse(actualValue.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture),
            _ => true, // true, false, null: the kind is the value
        };
    }
}

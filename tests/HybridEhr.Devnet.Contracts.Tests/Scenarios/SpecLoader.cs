using System.Text.Json;
using System.Text.Json.Nodes;

namespace HybridEhr.Devnet.Contracts.Tests.Scenarios;

/// <summary>
/// Reads spec files strictly: an unknown or misspelt key is an error, so that a typo cannot silently turn a check off.
/// </summary>
public static class SpecLoader
{
    private static readonly string[] FileKeys = ["contract", "description", "actors", "scenarios"];
    private static readonly string[] ActorKeys = ["organization", "attributes"];
    private static readonly string[] ScenarioKeys = ["name", "description", "steps"];
    private static readonly string[] StepKeys = ["caller", "function", "args", "expect", "expectEvents", "advanceClockMs", "note"];
    private static readonly string[] ExpectKeys = ["result", "resultContains", "error", "unordered"];
    private static readonly string[] EventKeys = ["name", "payload"];

    public static SpecFile Load(string path)
    {
        var fileName = Path.GetFileName(path);
        try
        {
            var root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Disallow })
                as JsonObject ?? throw new FormatException("the file must hold a JSON object");
            return Parse(fileName, root);
        }
        catch (Exception error) when (error is JsonException or FormatException or InvalidOperationException)
        {
            throw new FormatException($"{fileName}: {error.Message}", error);
        }
    }

    public static SpecFile Parse(string fileName, JsonObject root)
    {
        RequireOnly(root, FileKeys, "file");
        var actors = new Dictionary<string, SpecActor>(StringComparer.Ordinal);
        foreach (var (name, node) in Object(root, "actors", "file"))
        {
            var actor = node as JsonObject ?? throw new FormatException($"actor '{name}' must be an object");
            RequireOnly(actor, ActorKeys, $"actor '{name}'");
            var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
            if (actor["attributes"] is JsonObject attributeObject)
            {
                foreach (var (key, value) in attributeObject)
                {
                    attributes[key] = StringValue(value, $"actor '{name}' attribute '{key}'");
                }
            }

            actors[name] = new SpecActor(name, OptionalString(actor, "organization", $"actor '{name}'"), attributes);
        }

        var scenarios = new List<SpecScenario>();
        foreach (var node in Array(root, "scenarios", "file"))
        {
            var scenario = node as JsonObject ?? throw new FormatException("a scenario must be an object");
            RequireOnly(scenario, ScenarioKeys, "scenario");
            var name = RequiredString(scenario, "name", "scenario");
            if (scenarios.Any(existing => existing.Name == name))
            {
                throw new FormatException($"scenario name '{name}' is used twice");
            }

            var steps = Array(scenario, "steps", $"scenario '{name}'")
                .Select((step, index) => ParseStep(step, index + 1, actors, $"scenario '{name}' step {index + 1}"))
                .ToList();
            scenarios.Add(new SpecScenario(name, RequiredString(scenario, "description", $"scenario '{name}'"), steps));
        }

        return new SpecFile(
            fileName,
            RequiredString(root, "contract", "file"),
            RequiredString(root, "description", "file"),
            actors,
            scenarios);
    }

    private static SpecStep ParseStep(JsonNode? node, int number, Dictionary<string, SpecActor> actors, string where)
    {
        var step = node as JsonObject ?? throw new FormatException($"{where} must be an object");
        RequireOnly(step, StepKeys, where);
        var advance = step["advanceClockMs"] is { } advanceNode ? advanceNode.GetValue<long>() : 0;
        if (advance < 0)
        {
            throw new FormatException($"{where}: advanceClockMs must not be negative");
        }

        var function = OptionalString(step, "function", where);
        var caller = OptionalString(step, "caller", where);
        if (function is null)
        {
            // A clock-only step: it must not look like a call whose function was forgotten.
            if (caller is not null || step.ContainsKey("args") || step.ContainsKey("expect") || step.ContainsKey("expectEvents") || advance == 0)
            {
                throw new FormatException($"{where}: a step without 'function' may only hold 'advanceClockMs' (> 0)");
            }

            return new SpecStep(number, advance, null, null, [], new SpecExpectation(false, null, false, null, null, false), null);
        }

        if (caller is null || !actors.ContainsKey(caller))
        {
            throw new FormatException($"{where}: 'caller' must name one of the file's actors");
        }

        var args = step["args"] switch
        {
            null => [],
            JsonObject given => (JsonObject)given.DeepClone(),
            _ => throw new FormatException($"{where}: 'args' must be an object"),
        };

        return new SpecStep(number, advance, caller, function, args, ParseExpectation(step["expect"], where), ParseEvents(step["expectEvents"], where));
    }

    private static SpecExpectation ParseExpectation(JsonNode? node, string where)
    {
        if (node is null)
        {
            return new SpecExpectation(false, null, false, null, null, false);
        }

        var expect = node as JsonObject ?? throw new FormatException($"{where}: 'expect' must be an object");
        RequireOnly(expect, ExpectKeys, $"{where} expect");
        var hasResult = expect.TryGetPropertyValue("result", out var result);
        var hasContains = expect.TryGetPropertyValue("resultContains", out var contains);
        var error = OptionalString(expect, "error", where);
        if ((hasResult ? 1 : 0) + (hasContains ? 1 : 0) + (error is null ? 0 : 1) > 1)
        {
            throw new FormatException($"{where}: give at most one of result, resultContains, error");
        }

        var unordered = expect["unordered"]?.GetValue<bool>() ?? false;
        if (unordered && (hasResult ? result : contains) is not JsonArray)
        {
            throw new FormatException($"{where}: 'unordered' applies to an expected array only");
        }

        return new SpecExpectation(hasResult, result?.DeepClone(), hasContains, contains?.DeepClone(), error, unordered);
    }

    private static List<SpecEvent>? ParseEvents(JsonNode? node, string where)
    {
        if (node is null)
        {
            return null;
        }

        var events = node as JsonArray ?? throw new FormatException($"{where}: 'expectEvents' must be an array");
        return [.. events.Select(item =>
        {
            var expected = item as JsonObject ?? throw new FormatException($"{where}: each expected event must be an object");
            RequireOnly(expected, EventKeys, $"{where} event");
            var payload = expected["payload"] switch
            {
                null => null,
                JsonObject given => (JsonObject)given.DeepClone(),
                _ => throw new FormatException($"{where}: an event's 'payload' must be an object"),
            };
            return new SpecEvent(RequiredString(expected, "name", $"{where} event"), payload);
        })];
    }

    private static void RequireOnly(JsonObject node, string[] allowed, string where)
    {
        var unknown = node.Select(pair => pair.Key).Where(key => !allowed.Contains(key)).ToList();
        if (unknown.Count > 0)
        {
            throw new FormatException($"{where}: unknown key(s) {string.Join(", ", unknown)}");
        }
    }

    private static JsonObject Object(JsonObject node, string key, string where) =>
        node[key] as JsonObject ?? throw new FormatException($"{where}: '{key}' must be an object");

    private static JsonArray Array(JsonObject node, string key, string where) =>
        node[key] as JsonArray ?? throw new FormatException($"{where}: '{key}' must be an array");

    private static string RequiredString(JsonObject node, string key, string where) =>
        OptionalString(node, key, where) ?? throw new FormatException($"{where}: '{key}' is required");

    private static string? OptionalString(JsonObject node, string key, string where) =>
        node[key] is null ? null : StringValue(node[key], $"{where} '{key}'");

    private static string StringValue(JsonNode? node, string where) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String
            ? value.GetValue<string>()
            : throw new FormatException($"{where} must be a string");
}

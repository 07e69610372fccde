using System.Text.Json.Nodes;
using HybridEhr.Devnet.Ledger;

namespace HybridEhr.Devnet.Contracts.Tests.Scenarios;

/// <summary>One call as the runner hands it to whatever executes the contract (in-memory context or real ledger).</summary>
/// <param name="Contract">The file's contract name ("access_control" or "records").</param>
/// <param name="Timestamp">The block time the call must see, Unix milliseconds.</param>
public sealed record StepCall(string Contract, CallerIdentity Caller, string Function, JsonObject Args, long Timestamp);

public sealed record EmittedEvent(string Name, JsonObject Payload);

/// <summary>What one call produced: a result, or the error code of the broken rule, plus committed events.</summary>
public sealed record StepOutcome(JsonNode? Result, string? ErrorCode, string? ErrorMessage, IReadOnlyList<EmittedEvent> Events)
{
    public static StepOutcome Success(JsonNode? result, IReadOnlyList<EmittedEvent> events) => new(result, null, null, events);

    public static StepOutcome Failure(string code, string message) => new(null, code, message, []);
}

public sealed class ScenarioFailedException(string message) : Exception(message);

/// <summary>
/// Plays one scenario: resolves placeholders, keeps the clock, calls <c>executeStep</c> for each call and checks the
/// outcome. It knows nothing of how calls are executed, so the real ledger can reuse it with its own delegate.
/// </summary>
public static class ScenarioRunner
{
    /// <summary>2026-01-01T00:00:00Z: every scenario starts at this block time.</summary>
    public const long Epoch = 1767225600000;

    /// <summary>The account ids this runner gives actors: "0x" + SHA-256 of the actor's name. Specs must not rely on it.</summary>
    public static string AccountOf(string actorName) => "0x" + Placeholders.Sha256Hex(actorName);

    public static void Run(SpecFile file, SpecScenario scenario, Func<StepCall, StepOutcome> executeStep) =>
        Run(file, scenario, executeStep, AccountOf);

    public static void Run(SpecFile file, SpecScenario scenario, Func<StepCall, StepOutcome> executeStep, Func<string, string> accountOf)
    {
        var accounts = file.Actors.Keys.ToDictionary(name => name, accountOf, StringComparer.Ordinal);
        var placeholders = new Placeholders(accounts);
        var identities = file.Actors.Values.ToDictionary(
            actor => actor.Name,
            actor => new CallerIdentity(
                accounts[actor.Name],
                actor.Organization,
                actor.Attributes.ToDictionary(pair => pair.Key, pair => placeholders.ResolveString(pair.Value), StringComparer.Ordinal)),
            StringComparer.Ordinal);

        var clock = Epoch;
        foreach (var step in scenario.Steps)
        {
            clock += step.AdvanceClockMs;
            if (step.Function is null)
            {
                continue;
            }

            var where = $"{file.FileName} / {scenario.Name} / step {step.Number} ({step.Caller} → {step.Function})";
            var args = (JsonObject)placeholders.Resolve(step.Args)!;
            var outcome = executeStep(new StepCall(file.Contract, identities[step.Caller!], step.Function, args, clock));
            if (Check(step, outcome, placeholders) is { } problem)
            {
                throw new ScenarioFailedException($"{where}: {problem}");
            }
        }
    }

    private static string? Check(SpecStep step, StepOutcome outcome, Placeholders placeholders)
    {
        var expect = step.Expectation;
        if (expect.Error is { } expectedError)
        {
            if (outcome.ErrorCode != expectedError)
            {
                return outcome.ErrorCode is null
                    ? $"expected error {expectedError}, but the call succeeded with {JsonMatcher.Show(outcome.Result)}"
                    : $"expected error {expectedError}, got {outcome.ErrorCode} ({outcome.ErrorMessage})";
            }
        }
        else if (outcome.ErrorCode is not null)
        {
            return $"expected success, got {outcome.ErrorCode} ({outcome.ErrorMessage})";
        }
        else if (expect.HasResult || expect.HasResultContains)
        {
            var expected = placeholders.Resolve(expect.HasResult ? expect.Result : expect.ResultContains);
            var problem = expect.Unordered
                ? JsonMatcher.Unordered((JsonArray)expected!, outcome.Result, subset: expect.HasResultContains)
                : expect.HasResult ? JsonMatcher.Exact(expected, outcome.Result) : JsonMatcher.Subset(expected, outcome.Result);
            if (problem is not null)
            {
                return $"result mismatch at {problem}; actual result {JsonMatcher.Show(outcome.Result)}";
            }
        }

        return step.ExpectedEvents is { } expectedEvents ? CheckEvents(expectedEvents, outcome.Events, placeholders) : null;
    }

    private static string? CheckEvents(IReadOnlyList<SpecEvent> expected, IReadOnlyList<EmittedEvent> actual, Placeholders placeholders)
    {
        var actualText = string.Join(", ", actual.Select(e => $"{e.Name} {e.Payload.ToJsonString()}"));
        if (expected.Count != actual.Count)
        {
            return $"expected {expected.Count} event(s) [{string.Join(", ", expected.Select(e => e.Name))}], got [{actualText}]";
        }

        for (var index = 0; index < expected.Count; index++)
        {
            if (expected[index].Name != actual[index].Name)
            {
                return $"event {index}: expected {expected[index].Name}, got [{actualText}]";
            }

            if (expected[index].Payload is { } payload && JsonMatcher.Subset(placeholders.Resolve(payload), actual[index].Payload) is { } problem)
            {
                return $"event {index} ({expected[index].Name}) payload mismatch at {problem}; got {actual[index].Payload.ToJsonString()}";
            }
        }

        return null;
    }
}

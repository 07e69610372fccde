using System.Text.Json.Nodes;

namespace HybridEhr.Devnet.Contracts.Tests.Scenarios;

/// <summary>One conformance file of chaincode/spec/: a contract, its actors and independent scenarios.</summary>
public sealed record SpecFile(
    string FileName,
    string Contract,
    string Description,
    IReadOnlyDictionary<string, SpecActor> Actors,
    IReadOnlyList<SpecScenario> Scenarios);

/// <summary>A named participant; its account id is chosen by the runner, its membership by the spec.</summary>
public sealed record SpecActor(string Name, string? Organization, IReadOnlyDictionary<string, string> Attributes);

public sealed record SpecScenario(string Name, string Description, IReadOnlyList<SpecStep> Steps);

/// <summary>One step: optionally move the clock, then (unless the step only moves the clock) make one call.</summary>
public sealed record SpecStep(
    int Number,
    long AdvanceClockMs,
    string? Caller,
    string? Function,
    JsonObject Args,
    SpecExpectation Expectation,
    IReadOnlyList<SpecEvent>? ExpectedEvents);

/// <summary>What a call must produce. Without result, resultContains or error, the call need only succeed.</summary>
public sealed record SpecExpectation(
    bool HasResult,
    JsonNode? Result,
    bool HasResultContains,
    JsonNode? ResultContains,
    string? Error,
    bool Unordered);

public sealed record SpecEvent(string Name, JsonObject? Payload);

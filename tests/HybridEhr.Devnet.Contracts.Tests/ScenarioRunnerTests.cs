using System.Text.Json.Nodes;
using HybridEhr.Devnet.Contracts.Tests.Scenarios;
using HybridEhr.Devnet.Ledger;

namespace HybridEhr.Devnet.Contracts.Tests;

/// <summary>The runner must catch wrong results, codes and events, or every green scenario would mean nothing.</summary>
public sealed class ScenarioRunnerTests
{
    private const string SpecText = """
        {
          "contract": "test",
          "description": "runner self-test",
          "actors": { "alice": { "attributes": { "document_id_hash": "$sha256:doc" } } },
          "scenarios": [
            { "name": "one", "description": "d", "steps": [
              { "advanceClockMs": 5 },
              { "caller": "alice", "function": "echo", "args": { "who": "$actor:alice" },
                "expect": { "resultContains": { "who": "$actor:alice" } },
                "expectEvents": [ { "name": "Echoed", "payload": { "n": 1 } } ] }
            ] }
          ]
        }
        """;

    private static readonly SpecFile Spec = SpecLoader.Parse("self-test.json", (JsonObject)JsonNode.Parse(SpecText)!);

    [Fact]
    public void A_matching_outcome_passes_and_sees_resolved_arguments_and_time()
    {
        StepCall? seen = null;
        ScenarioRunner.Run(Spec, Spec.Scenarios[0], call =>
        {
            seen = call;
            return StepOutcome.Success(new JsonObject { ["who"] = call.Args["who"]!.DeepClone(), ["more"] = 1 }, [new EmittedEvent("Echoed", new JsonObject { ["n"] = 1.0 })]);
        });

        Assert.NotNull(seen);
        Assert.Equal(ScenarioRunner.Epoch + 5, seen.Timestamp);
        Assert.Equal(ScenarioRunner.AccountOf("alice"), seen.Args["who"]!.GetValue<string>());
        Assert.Equal(Placeholders.Sha256Hex("doc"), seen.Caller.Attributes["document_id_hash"]);
    }

    [Fact]
    public void A_wrong_result_fails()
    {
        Assert.Throws<ScenarioFailedException>(() => ScenarioRunner.Run(Spec, Spec.Scenarios[0], _ =>
            StepOutcome.Success(new JsonObject { ["who"] = "0x00" }, [new EmittedEvent("Echoed", new JsonObject { ["n"] = 1 })])));
    }

    [Fact]
    public void An_unexpected_error_fails()
    {
        Assert.Throws<ScenarioFailedException>(() => ScenarioRunner.Run(Spec, Spec.Scenarios[0], _ => StepOutcome.Failure("NOPE", "no")));
    }

    [Fact]
    public void A_missing_or_different_event_fails()
    {
        var result = new JsonObject { ["who"] = ScenarioRunner.AccountOf("alice") };
        Assert.Throws<ScenarioFailedException>(() => ScenarioRunner.Run(Spec, Spec.Scenarios[0], _ => StepOutcome.Success(result.DeepClone(), [])));
        Assert.Throws<ScenarioFailedException>(() => ScenarioRunner.Run(Spec, Spec.Scenarios[0], _ =>
            StepOutcome.Success(result.DeepClone(), [new EmittedEvent("Echoed", new JsonObject { ["n"] = 2 })])));
    }

    [Fact]
    public void Exact_match_rejects_extra_keys_and_subset_accepts_them()
    {
        var actual = JsonNode.Parse("""{"a":1,"b":[{"c":2,"d":3}]}""");

        Assert.Null(JsonMatcher.Subset(JsonNode.Parse("""{"b":[{"c":2}]}"""), actual));
        Assert.NotNull(JsonMatcher.Exact(JsonNode.Parse("""{"b":[{"c":2,"d":3}]}"""), actual));
        Assert.Null(JsonMatcher.Exact(JsonNode.Parse("""{"b":[{"d":3,"c":2.0}],"a":1}"""), actual));
        Assert.NotNull(JsonMatcher.Subset(JsonNode.Parse("""{"b":[]}"""), actual));
    }

    [Fact]
    public void Unordered_match_ignores_order_but_not_content()
    {
        var actual = JsonNode.Parse("""[{"x":1,"y":0},{"x":2,"y":0}]""");

        Assert.Null(JsonMatcher.Unordered((JsonArray)JsonNode.Parse("""[{"x":2},{"x":1}]""")!, actual, subset: true));
        Assert.NotNull(JsonMatcher.Unordered((JsonArray)JsonNode.Parse("""[{"x":2},{"x":2}]""")!, actual, subset: true));
        Assert.NotNull(JsonMatcher.Unordered((JsonArray)JsonNode.Parse("""[{"x":2},{"x":1}]""")!, actual, subset: false));
    }

    [Fact]
    public void Misspelt_keys_and_unknown_placeholders_are_refused()
    {
        var misspelt = SpecText.Replace("\"expectEvents\"", "\"expectEvent\"", StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => SpecLoader.Parse("bad.json", (JsonObject)JsonNode.Parse(misspelt)!));

        var placeholders = new Placeholders(new Dictionary<string, string> { ["alice"] = "0xaa" });
        Assert.Throws<FormatException>(() => placeholders.ResolveString("$actor:bob"));
        Assert.Throws<FormatException>(() => placeholders.ResolveString("$unknown"));
        Assert.Equal("$literal", placeholders.ResolveString("$$literal"));
    }

    [Fact]
    public void Caller_identity_carries_the_actor_organization()
    {
        var spec = SpecLoader.Parse("org.json", (JsonObject)JsonNode.Parse("""
            { "contract": "t", "description": "d", "actors": { "admin": { "organization": "HospitalA", "attributes": { "role": "org_admin" } } },
              "scenarios": [ { "name": "s", "description": "d", "steps": [ { "caller": "admin", "function": "f" } ] } ] }
            """)!);
        CallerIdentity? caller = null;

        ScenarioRunner.Run(spec, spec.Scenarios[0], call => { caller = call.Caller; return StepOutcome.Success(null, []); });

        Assert.Equal("HospitalA", caller?.Organization);
        Assert.Equal("org_admin", caller?.Attributes["role"]);
    }
}

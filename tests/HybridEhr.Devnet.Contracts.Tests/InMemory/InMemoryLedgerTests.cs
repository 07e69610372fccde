using System.Text;
using System.Text.Json.Nodes;
using HybridEhr.Devnet.Contracts.Tests.Scenarios;
using HybridEhr.Devnet.Ledger;

namespace HybridEhr.Devnet.Contracts.Tests.InMemory;

/// <summary>The in-memory ledger must behave like the real one where the contracts can tell the difference.</summary>
public sealed class InMemoryLedgerTests
{
    private static readonly CallerIdentity Someone = CallerIdentity.Account("0x01");

    [Fact]
    public void A_failed_call_discards_its_writes_and_events()
    {
        var ledger = new InMemoryLedger(new ProbeContract());

        var outcome = ledger.Execute(Call("write_then_fail", 1));

        Assert.Equal("BROKEN", outcome.ErrorCode);
        Assert.Empty(outcome.Events);
        Assert.Empty(ledger.State);
    }

    [Fact]
    public void Committed_writes_build_history_and_a_call_sees_its_own_writes()
    {
        var ledger = new InMemoryLedger(new ProbeContract());

        var first = ledger.Execute(Call("write", 10));
        ledger.Execute(Call("write", 20));
        var history = ledger.Execute(Call("history", 30));

        Assert.Equal("v", first.Result?.GetValue<string>());
        Assert.Single(first.Events);
        Assert.Equal("[10,20]", history.Result?.ToJsonString());
    }

    [Fact]
    public void A_query_that_writes_is_a_bug()
    {
        var ledger = new InMemoryLedger(new ProbeContract());

        Assert.Throws<InvalidOperationException>(() => ledger.Execute(Call("query_that_writes", 1)));
    }

    private static StepCall Call(string function, long timestamp) => new("probe", Someone, function, [], timestamp);

    private sealed class ProbeContract : IContract
    {
        public string Name => "probe";

        public bool IsQuery(string function) => function is "history" or "query_that_writes";

        public JsonNode? Invoke(IContractContext context, string function, JsonObject args)
        {
            switch (function)
            {
                case "write":
                    context.PutState("k", Encoding.UTF8.GetBytes("v"));
                    context.EmitEvent("Wrote", []);
                    return JsonValue.Create(Encoding.UTF8.GetString(context.GetState("k")!));
                case "write_then_fail":
                    context.PutState("k", [1]);
                    context.EmitEvent("Wrote", []);
                    throw new ContractException("BROKEN", "as planned");
                case "history":
                    return new JsonArray([.. context.GetHistory("k").Select(m => (JsonNode?)JsonValue.Create(m.Timestamp))]);
                case "query_that_writes":
                    context.PutState("k", [1]);
                    return null;
                default:
                    throw new ContractException("UNKNOWN_FUNCTION", function);
            }
        }
    }
}

using HybridEhr.Devnet.Contracts.Tests.InMemory;
using HybridEhr.Devnet.Contracts.Tests.Scenarios;

namespace HybridEhr.Devnet.Contracts.Tests;

/// <summary>Every scenario of chaincode/spec/ as its own test case, on a fresh in-memory ledger.</summary>
public sealed class ScenarioTests
{
    public static TheoryData<string, string> Scenarios()
    {
        var data = new TheoryData<string, string>();
        foreach (var file in SpecCatalog.All)
        {
            foreach (var scenario in file.Scenarios)
            {
                data.Add(file.FileName, scenario.Name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Scenario_passes_on_the_csharp_contract(string fileName, string scenarioName)
    {
        var file = SpecCatalog.FileNamed(fileName);
        var scenario = file.Scenarios.Single(candidate => candidate.Name == scenarioName);
        var ledger = new InMemoryLedger(SpecCatalog.CreateContract(file.Contract));

        ScenarioRunner.Run(file, scenario, ledger.Execute);
    }
}

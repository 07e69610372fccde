using HybridEhr.Devnet.Contracts.AccessControl;
using HybridEhr.Devnet.Contracts.Common;
using HybridEhr.Devnet.Contracts.Records;

namespace HybridEhr.Devnet.Contracts.Tests;

/// <summary>Keeps the spec honest: every function is called, every error code is provoked and documented.</summary>
public sealed class SpecCoverageTests
{
    public static TheoryData<string> ContractNames() => [AccessControlContract.ContractName, RecordsContract.ContractName];

    [Theory]
    [MemberData(nameof(ContractNames))]
    public void Every_function_is_called_by_some_scenario(string contract)
    {
        var called = Steps(contract).Select(step => step.Function).ToHashSet(StringComparer.Ordinal);

        var neverCalled = FunctionsOf(contract).Where(function => !called.Contains(function)).ToList();

        Assert.Empty(neverCalled);
    }

    [Theory]
    [MemberData(nameof(ContractNames))]
    public void Every_error_code_is_expected_by_some_scenario(string contract)
    {
        var expected = Steps(contract).Select(step => step.Expectation.Error).OfType<string>().ToHashSet(StringComparer.Ordinal);

        var neverProvoked = ErrorCodesOf(contract).Where(code => !expected.Contains(code)).ToList();

        Assert.Empty(neverProvoked);
    }

    [Theory]
    [MemberData(nameof(ContractNames))]
    public void Every_function_and_error_code_is_documented_in_the_spec_readme(string contract)
    {
        var readme = File.ReadAllText(Path.Combine(SpecCatalog.SpecDirectory, "README.md"));

        var undocumented = FunctionsOf(contract).Concat(ErrorCodesOf(contract))
            .Where(name => !readme.Contains($"`{name}`", StringComparison.Ordinal)).ToList();

        Assert.Empty(undocumented);
    }

    [Fact]
    public void Every_spec_file_names_a_known_contract_and_has_scenarios()
    {
        Assert.NotEmpty(SpecCatalog.All);
        Assert.All(SpecCatalog.All, file =>
        {
            Assert.Contains(file.Contract, new[] { AccessControlContract.ContractName, RecordsContract.ContractName });
            Assert.NotEmpty(file.Scenarios);
        });
    }

    [Fact]
    public void IsQuery_is_true_for_read_only_functions_only()
    {
        var contract = new AccessControlContract();

        Assert.False(contract.IsQuery("no_such_function"));
        Assert.True(contract.IsQuery("has_permission"));
        Assert.False(new RecordsContract().IsQuery("create_record"));
        Assert.True(new RecordsContract().IsQuery("get_record_history"));
    }

    private static IEnumerable<Scenarios.SpecStep> Steps(string contract) =>
        SpecCatalog.All.Where(file => file.Contract == contract)
            .SelectMany(file => file.Scenarios)
            .SelectMany(scenario => scenario.Steps)
            .Where(step => step.Function is not null);

    private static IEnumerable<string> FunctionsOf(string contract) =>
        contract == AccessControlContract.ContractName ? AccessControlContract.Functions : RecordsContract.Functions;

    private static IEnumerable<string> ErrorCodesOf(string contract) =>
        (contract == AccessControlContract.ContractName ? AccessControlErrors.All : RecordsErrors.All)
            .Append(CommonErrors.InvalidArgument)
            .Append(CommonErrors.UnknownFunction);
}

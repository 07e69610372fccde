using HybridEhr.Devnet.Contracts.AccessControl;
using HybridEhr.Devnet.Contracts.Records;
using HybridEhr.Devnet.Contracts.Tests.Scenarios;
using HybridEhr.Devnet.Ledger;

namespace HybridEhr.Devnet.Contracts.Tests;

/// <summary>Finds and loads chaincode/spec/*.json, and maps a file's contract name to the C# contract.</summary>
public static class SpecCatalog
{
    private static readonly Lazy<IReadOnlyList<SpecFile>> Files = new(LoadAll);

    public static IReadOnlyList<SpecFile> All => Files.Value;

    public static string SpecDirectory => Path.Combine(RepositoryRoot(), "chaincode", "spec");

    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "HybridEhr.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no folder above {AppContext.BaseDirectory} holds HybridEhr.sln");
    }

    public static SpecFile FileNamed(string fileName) => All.Single(file => file.FileName == fileName);

    public static IContract CreateContract(string contractName) => contractName switch
    {
        AccessControlContract.ContractName => new AccessControlContract(),
        RecordsContract.ContractName => new RecordsContract(),
        _ => throw new ArgumentException($"no contract named '{contractName}'", nameof(contractName)),
    };

    private static List<SpecFile> LoadAll() =>
        [.. Directory.GetFiles(SpecDirectory, "*.json").Order(StringComparer.Ordinal).Select(SpecLoader.Load)];
}

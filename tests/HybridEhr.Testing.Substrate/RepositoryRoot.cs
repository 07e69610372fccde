namespace HybridEhr.Testing.Substrate;

/// <summary>Finds the repository (the folder holding HybridEhr.sln) from wherever the test assembly runs.</summary>
public static class RepositoryRoot
{
    public static string Find()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
            {
                if (File.Exists(Path.Combine(folder.FullName, "HybridEhr.sln")))
                {
                    return folder.FullName;
                }
            }
        }

        throw new InvalidOperationException(
            $"HybridEhr.sln not found above {AppContext.BaseDirectory} or {Directory.GetCurrentDirectory()}; set ContractsNodeSimulatorOptions.RepositoryRoot");
    }
}

namespace HybridEhr.Testing.Substrate;

/// <summary>How the simulated node presents itself; every option has a working default.</summary>
public sealed record ContractsNodeSimulatorOptions
{
    /// <summary>Reported by state_getRuntimeVersion and required in every signed payload (CheckSpecVersion).</summary>
    public uint SpecVersion { get; init; } = 100;

    /// <summary>Reported by state_getRuntimeVersion and required in every signed payload (CheckTxVersion).</summary>
    public uint TransactionVersion { get; init; } = 1;

    /// <summary>Block timestamps: each new block gets max(now, previous + 1) in Unix milliseconds.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The repository (folder of HybridEhr.sln); found by walking up from the test assembly when null.</summary>
    public string? RepositoryRoot { get; init; }

    /// <summary>The address of the deployed access_control contract; a fixed derived address when null.</summary>
    public byte[]? ContractAddress { get; init; }
}

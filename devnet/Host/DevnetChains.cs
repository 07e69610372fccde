using HybridEhr.Clients.Devnet;
using HybridEhr.Devnet.Contracts.AccessControl;
using HybridEhr.Devnet.Contracts.Records;
using HybridEhr.Devnet.Ledger;

namespace HybridEhr.Devnet.Host;

public sealed class DevnetOptions
{
    /// <summary>Each chain keeps its block log in a folder of its own below this one.</summary>
    public string DataDirectory { get; set; } = Path.Combine(".data", "devnet");

    /// <summary>0 = commit each transaction at once; N ms = collect transactions for N ms per block (6000 mimics Polkadot).</summary>
    public int BlockTimeMs { get; set; }
}

/// <summary>The chains this devnet serves, by name: "permission" (access control) and "records" (EHR anchors, NFTs).</summary>
public sealed class DevnetChains : IAsyncDisposable
{
    private readonly Dictionary<string, DevnetLedger> _ledgers;

    private DevnetChains(Dictionary<string, DevnetLedger> ledgers) => _ledgers = ledgers;

    public IReadOnlyDictionary<string, DevnetLedger> Ledgers => _ledgers;

    public static async Task<DevnetChains> OpenAsync(DevnetOptions options, CancellationToken cancellationToken = default)
    {
        var blockTime = TimeSpan.FromMilliseconds(options.BlockTimeMs);
        var permission = await DevnetLedger.OpenAsync(new LedgerOptions
        {
            DataDirectory = Path.Combine(options.DataDirectory, DevAccounts.PermissionChain),
            Genesis = DevAccounts.PermissionGenesis(),
            BlockTime = blockTime,
        }, [new AccessControlContract()], cancellationToken).ConfigureAwait(false);
        var records = await DevnetLedger.OpenAsync(new LedgerOptions
        {
            DataDirectory = Path.Combine(options.DataDirectory, DevAccounts.RecordsChain),
            Genesis = DevAccounts.RecordsGenesis(),
            BlockTime = blockTime,
        }, [new RecordsContract()], cancellationToken).ConfigureAwait(false);
        return new DevnetChains(new Dictionary<string, DevnetLedger>(StringComparer.Ordinal)
        {
            [DevAccounts.PermissionChain] = permission,
            [DevAccounts.RecordsChain] = records,
        });
    }

    public DevnetLedger Get(string chain) =>
        _ledgers.TryGetValue(chain, out var ledger) ? ledger
            : throw new Grpc.Core.RpcException(new Grpc.Core.Status(Grpc.Core.StatusCode.InvalidArgument,
                $"Unknown chain '{chain}'. This devnet serves: {string.Join(", ", _ledgers.Keys)}."));

    public async ValueTask DisposeAsync()
    {
        foreach (var ledger in _ledgers.Values)
        {
            await ledger.DisposeAsync().ConfigureAwait(false);
        }
    }
}

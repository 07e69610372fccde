using System.Globalization;
using System.Numerics;
using HybridEhr.Clients.Substrate.Chain;
using HybridEhr.Clients.Substrate.Keys;

namespace HybridEhr.Clients.Substrate.Contracts;

/// <summary>Where a deployed ink! contract lives and how writes to it are priced and awaited.</summary>
public sealed record ContractConnectionOptions
{
    public required Uri NodeEndpoint { get; init; }

    public required byte[] ContractAddress { get; init; }

    /// <summary>The contract's metadata JSON (the deployed build's target/ink/&lt;name&gt;.json).</summary>
    public required string MetadataPath { get; init; }

    /// <summary>Added to the dry run's weight and storage deposit (0.2 = +20 %).</summary>
    public double GasMargin { get; init; } = 0.2;

    public BigInteger Tip { get; init; } = BigInteger.Zero;

    /// <summary>When a write counts as done, and which head the event follower tracks.</summary>
    public WatchUntil WaitFor { get; init; } = WatchUntil.InBlock;

    /// <summary>Blocks a signed transaction stays valid.</summary>
    public ulong MortalPeriod { get; init; } = 64;

    /// <summary>
    /// What the registrar transfers to a new account before its first transaction, in the chain's smallest unit, so
    /// it can pay fees (0 = nothing: a chain without fees, or accounts funded elsewhere).
    /// </summary>
    public BigInteger Endowment { get; init; } = BigInteger.Zero;

    public WriteOptions Write => new() { Margin = GasMargin, Tip = Tip, Until = WaitFor };

    /// <summary>
    /// Reads the keys NodeEndpoint, ContractAddress, MetadataPath, GasMargin, Tip, Endowment, WaitFor and MortalPeriod through
    /// <paramref name="setting"/> (e.g. a configuration section's indexer); every missing or malformed one is named
    /// in one <see cref="InvalidOperationException"/>, with <paramref name="prefix"/> in front of its key.
    /// </summary>
    public static ContractConnectionOptions Read(Func<string, string?> setting, string prefix)
    {
        ArgumentNullException.ThrowIfNull(setting);
        var problems = new List<string>();
        string? Value(string key) => setting(key) is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
        void Problem(string key, string what) => problems.Add($"{prefix}{key} {what}.");

        Uri? endpoint = null;
        if (Value("NodeEndpoint") is not { } endpointText)
        {
            Problem("NodeEndpoint", "is missing (e.g. ws://127.0.0.1:9944)");
        }
        else if (!Uri.TryCreate(endpointText, UriKind.Absolute, out endpoint) || endpoint.Scheme is not ("ws" or "wss"))
        {
            Problem("NodeEndpoint", $"is '{endpointText}', not a ws:// or wss:// address");
        }

        byte[]? address = null;
        if (Value("ContractAddress") is not { } addressText)
        {
            Problem("ContractAddress", "is missing (SS58 or 0x + 64 hex digits)");
        }
        else
        {
            address = ParseAddress(addressText);
            if (address is null)
            {
                Problem("ContractAddress", $"is '{addressText}', neither an SS58 address nor 0x + 64 hex digits");
            }
        }

        var metadataPath = Value("MetadataPath");
        if (metadataPath is null)
        {
            Problem("MetadataPath", "is missing (the contract's metadata JSON)");
        }
        else if (!File.Exists(metadataPath))
        {
            Problem("MetadataPath", $"names '{metadataPath}', which does not exist");
        }

        var margin = 0.2;
        if (Value("GasMargin") is { } marginText
            && (!double.TryParse(marginText, NumberStyles.Float, CultureInfo.InvariantCulture, out margin) || margin is < 0 or > 10))
        {
            Problem("GasMargin", $"is '{marginText}', not a number between 0 and 10");
        }

        var tip = BigInteger.Zero;
        if (Value("Tip") is { } tipText && (!BigInteger.TryParse(tipText, NumberStyles.None, CultureInfo.InvariantCulture, out tip)))
        {
            Problem("Tip", $"is '{tipText}', not a whole number of the chain's smallest unit");
        }

        var endowment = BigInteger.Zero;
        if (Value("Endowment") is { } endowmentText && (!BigInteger.TryParse(endowmentText, NumberStyles.None, CultureInfo.InvariantCulture, out endowment)))
        {
            Problem("Endowment", $"is '{endowmentText}', not a whole number of the chain's smallest unit");
        }

        var waitFor = WatchUntil.InBlock;
        if (Value("WaitFor") is { } waitText && !(Enum.TryParse(waitText, ignoreCase: true, out waitFor) && Enum.IsDefined(waitFor)))
        {
            Problem("WaitFor", $"is '{waitText}', not InBlock or Finalized");
        }

        ulong period = 64;
        if (Value("MortalPeriod") is { } periodText
            && (!ulong.TryParse(periodText, NumberStyles.None, CultureInfo.InvariantCulture, out period) || period is < 4 or > 65536))
        {
            Problem("MortalPeriod", $"is '{periodText}', not a block count between 4 and 65536");
        }

        return problems.Count > 0
            ? throw new InvalidOperationException(string.Join(" ", problems))
            : new ContractConnectionOptions
            {
                NodeEndpoint = endpoint!,
                ContractAddress = address!,
                MetadataPath = Path.GetFullPath(metadataPath!),
                GasMargin = margin,
                Tip = tip,
                Endowment = endowment,
                WaitFor = waitFor,
                MortalPeriod = period,
            };
    }

    private static byte[]? ParseAddress(string text)
    {
        try
        {
            var bytes = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? Hex.Decode(text) : Ss58.Decode(text);
            return bytes.Length == 32 ? bytes : null;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            return null;
        }
    }
}

/// <summary>
/// The connection to one deployed contract, made on first use and remade after a failed attempt, so a service can
/// start before its node is reachable and say UNAVAILABLE meanwhile. Metadata files are read once.
/// </summary>
public sealed class ContractConnection(ContractConnectionOptions options) : IAsyncDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly InkAbi abi = new(InkMetadata.Load(options.MetadataPath));
    private ContractJsonClient? connected;

    public ContractConnectionOptions Options => options;

    public InkAbi Abi => abi;

    public async Task<ContractJsonClient> GetAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref connected) is { } ready)
        {
            return ready;
        }

        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (connected is null)
            {
                var chain = await SubstrateClient.ConnectAsync(options.NodeEndpoint, options.MortalPeriod, cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref connected, new ContractJsonClient(new InkContractClient(chain, abi, options.ContractAddress)));
            }

            return connected!;
        }
        finally
        {
            gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (connected is not null)
        {
            await connected.Contract.Chain.DisposeAsync().ConfigureAwait(false);
        }

        gate.Dispose();
    }
}

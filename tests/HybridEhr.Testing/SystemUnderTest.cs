namespace HybridEhr.Testing;

/// <summary>
/// The whole system as separate processes, as the AppHost runs it: the devnet and the five services on free
/// loopback ports, each with its own data directory under one temporary folder, wired by services__*__grpc__0 and
/// services__*__http__0 settings (service discovery).
/// </summary>
public sealed class SystemUnderTest : IAsyncDisposable
{
    public const string AdminKey = "end-to-end-admin-key";

    /// <summary>Start order: each after what it needs at start-up.</summary>
    public static readonly IReadOnlyList<string> ServiceNames = ["fabricgateway", "identity", "permissions", "records", "imagenft"];

    private static readonly Dictionary<string, string> ProjectFolders = new(StringComparer.Ordinal)
    {
        ["fabricgateway"] = "FabricGateway",
        ["identity"] = "Identity",
        ["permissions"] = "Permissions",
        ["records"] = "Records",
        ["imagenft"] = "ImageNft",
    };

    private readonly Dictionary<string, ServiceProcess> _processes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _addresses = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _httpAddresses = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Faults.ResponseDroppingProxy> _faultProxies = new(StringComparer.Ordinal);
    private readonly IReadOnlyDictionary<string, string> _extraEnvironment;

    private SystemUnderTest(string root, IReadOnlyDictionary<string, string> extraEnvironment)
    {
        Root = root;
        _extraEnvironment = extraEnvironment;
    }

    /// <summary>The temporary folder holding every process's data.</summary>
    public string Root { get; }

    /// <summary>The grpc endpoint (h2c) of a process.</summary>
    public string AddressOf(string name) => _addresses[name];

    /// <summary>The http endpoint (HTTP/1.1: JSON, gRPC-Web, OpenAPI, JWKS) of a service.</summary>
    public string HttpAddressOf(string name) => _httpAddresses[name];

    public ServiceProcess Process(string name) => _processes[name];

    /// <summary>The proxy every other process reaches <paramref name="name"/> through, when it was started behind one.</summary>
    public Faults.ResponseDroppingProxy FaultProxy(string name) => _faultProxies[name];

    /// <param name="environment">Extra settings for every service, e.g. ConnectionStrings__rabbitmq.</param>
    /// <param name="behindFaultProxies">Processes the others reach only through a <see cref="Faults.ResponseDroppingProxy"/>
    /// (tests reach them directly), so a test can cut a call after its request was sent.</param>
    public static async Task<SystemUnderTest> StartAsync(IReadOnlyDictionary<string, string>? environment = null, IReadOnlyCollection<string>? behindFaultProxies = null)
    {
        var system = new SystemUnderTest(Path.Combine(Path.GetTempPath(), "hybridehr-system-" + Guid.NewGuid().ToString("N")), environment ?? new Dictionary<string, string>());
        foreach (var name in ServiceNames.Prepend("devnet"))
        {
            system._addresses[name] = $"http://127.0.0.1:{ServiceProcess.FreePort()}";
        }

        foreach (var name in ServiceNames)
        {
            system._httpAddresses[name] = $"http://127.0.0.1:{ServiceProcess.FreePort()}";
        }

        foreach (var name in behindFaultProxies ?? [])
        {
            system._faultProxies[name] = Faults.ResponseDroppingProxy.Start(new Uri(system._addresses[name]));
        }

        try
        {
            await system.StartProcessAsync("devnet");
            foreach (var name in ServiceNames)
            {
                await system.StartProcessAsync(name);
            }
        }
        catch
        {
            await system.DisposeAsync();
            throw;
        }

        return system;
    }

    /// <summary>Kills a process (SIGKILL, as a crash would) and starts it again on the same address and data.</summary>
    public async Task RestartAsync(string name)
    {
        await _processes[name].KillAsync();
        await _processes[name].DisposeAsync();
        await StartProcessAsync(name);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes.Values.Reverse())
        {
            await process.DisposeAsync();
        }

        _processes.Clear();
        foreach (var proxy in _faultProxies.Values)
        {
            await proxy.DisposeAsync();
        }

        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }

    private async Task StartProcessAsync(string name)
    {
        var data = Path.Combine(Root, name);
        Directory.CreateDirectory(data);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["DataDirectory"] = data,
            ["FabricGateway__AdminKey"] = AdminKey,
            // Password hashing at full strength costs ~0.5 s per login on this machine; tests log in often.
            ["Identity__PasswordIterations"] = "10000",
            // Lets a test watch a grant expire in seconds rather than minutes.
            ["Permissions__MinimumGrantLength"] = "00:00:02",
        };
        foreach (var (other, address) in _addresses)
        {
            environment[$"services__{other}__grpc__0"] = _faultProxies.TryGetValue(other, out var proxy) ? proxy.Address : address;
        }

        foreach (var (other, address) in _httpAddresses)
        {
            environment[$"services__{other}__http__0"] = address;
        }

        foreach (var (key, value) in _extraEnvironment)
        {
            environment[key] = value;
        }

        var dll = name == "devnet"
            ? Path.Combine(Repository.Root, "devnet", "bin", Repository.Configuration, "net10.0", "HybridEhr.Devnet.dll")
            : Path.Combine(Repository.Root, "services", ProjectFolders[name], "bin", Repository.Configuration, "net10.0", $"HybridEhr.{ProjectFolders[name]}.dll");
        string[] arguments = name == "devnet" ? ["--data", data] : [];
        _processes[name] = await ServiceProcess.StartAsync(name, dll, arguments, environment, _addresses[name],
            httpAddress: _httpAddresses.GetValueOrDefault(name));
    }
}

using System.Runtime.InteropServices;

namespace HybridEhr.AppHost.Orchestration;

/// <summary>Collects the resources of the system and how they reference each other.</summary>
public sealed class SystemBuilder
{
    private readonly List<ServiceResource> _resources = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly PosixSignalRegistration[] _signals;

    public SystemBuilder(string[] args)
    {
        var options = ParseOptions(args);
        RepositoryRoot = options.GetValueOrDefault("--root") ?? FindRepositoryRoot();
        Configuration = options.GetValueOrDefault("--configuration") ?? BuildConfiguration();
        DashboardUrl = options.GetValueOrDefault("--dashboard") ?? "http://127.0.0.1:5000";
        DataDirectory = Path.GetFullPath(options.GetValueOrDefault("--data") ?? Path.Combine(RepositoryRoot, ".data"));
        DevelopmentAdminKey = options.GetValueOrDefault("--admin-key") ?? "hybridehr-development-admin-key";
        // Ctrl+C and SIGTERM stop the system gracefully: the supervisor stops every service before the AppHost exits.
        _signals = [.. new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM }.Select(signal => PosixSignalRegistration.Create(signal, context =>
        {
            context.Cancel = true;
            _stopping.Cancel();
        }))];
    }

    public string RepositoryRoot { get; }

    /// <summary>Debug or Release: the services run from the same build configuration as the AppHost.</summary>
    public string Configuration { get; }

    public string DashboardUrl { get; }

    /// <summary>Where resources keep their data between runs (chain blocks, stores, keystores).</summary>
    public string DataDirectory { get; }

    public CancellationToken Stopping => _stopping.Token;

    /// <summary>The development hospital-administration key (option --admin-key); printed at start so a developer can enrol doctors.</summary>
    public string DevelopmentAdminKey { get; }

    /// <summary>
    /// A service process. <paramref name="port"/> is its <c>grpc</c> endpoint (h2c); <paramref name="httpPort"/>, when
    /// given, its <c>http</c> endpoint (HTTP/1.1: REST, gRPC-Web, OpenAPI, probes).
    /// </summary>
    public ServiceResource AddService(string name, string projectDirectory, int port, int? httpPort = null)
    {
        var directory = Path.Combine(RepositoryRoot, projectDirectory);
        var project = Directory.GetFiles(directory, "*.csproj").SingleOrDefault()
            ?? throw new InvalidOperationException($"No single project file in {directory}.");
        var assembly = Path.Combine(directory, "bin", Configuration, "net10.0", Path.GetFileNameWithoutExtension(project) + ".dll");
        var resource = new ServiceResource(name, assembly, port, httpPort, Path.Combine(DataDirectory, name));
        _resources.Add(resource);
        return resource;
    }

    public Supervisor Build() => new(TopologicalOrder(_resources), _stopping);

    /// <summary>Dependencies first; a cycle is a mistake in the graph and stops start-up with its names.</summary>
    private static List<ServiceResource> TopologicalOrder(IReadOnlyList<ServiceResource> resources)
    {
        var ordered = new List<ServiceResource>();
        var visiting = new HashSet<ServiceResource>();
        void Visit(ServiceResource resource)
        {
            if (ordered.Contains(resource))
            {
                return;
            }

            if (!visiting.Add(resource))
            {
                throw new InvalidOperationException($"Reference cycle through {resource.Name}.");
            }

            foreach (var dependency in resource.References)
            {
                Visit(dependency);
            }

            ordered.Add(resource);
        }

        foreach (var resource in resources)
        {
            Visit(resource);
        }

        return ordered;
    }

    private static Dictionary<string, string> ParseOptions(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            options[args[i]] = args[i + 1];
        }

        return options;
    }

    private static string BuildConfiguration() =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HybridEhr.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Run the AppHost from the repository (HybridEhr.sln not found), or pass --root DIR.");
    }
}

/// <summary>One process of the system: where its binary is, its ports, what it references, its settings.</summary>
public sealed class ServiceResource(string name, string assemblyPath, int port, int? httpPort, string dataDirectory)
{
    private readonly List<ServiceResource> _references = [];
    private readonly Dictionary<string, string> _environment = new(StringComparer.Ordinal);
    private readonly List<string> _arguments = [];

    public string Name { get; } = name;

    public string AssemblyPath { get; } = assemblyPath;

    public int Port { get; } = port;

    /// <summary>The <c>grpc</c> endpoint (h2c), where the supervisor checks health.</summary>
    public string Address => $"http://127.0.0.1:{Port}";

    public int? HttpPort { get; } = httpPort;

    /// <summary>The <c>http</c> endpoint (HTTP/1.1), if the service has one.</summary>
    public string? HttpAddress => HttpPort is { } http ? $"http://127.0.0.1:{http}" : null;

    /// <summary>
    /// How the process is told where to listen: both named Kestrel endpoints when it has an <c>http</c> one (the
    /// services), otherwise --urls (the devnet).
    /// </summary>
    public IEnumerable<string> ListenArguments => HttpAddress is { } httpAddress
        ? [$"--Kestrel:Endpoints:grpc:Url={Address}", $"--Kestrel:Endpoints:http:Url={httpAddress}"]
        : ["--urls", Address];

    public string DataDirectory { get; } = dataDirectory;

    public IReadOnlyList<ServiceResource> References => _references;

    public IReadOnlyDictionary<string, string> Environment => _environment;

    public IReadOnlyList<string> Arguments => _arguments;

    /// <summary>
    /// The service learns the other's address as configuration "services:&lt;name&gt;:grpc:0" (Aspire's service-discovery form) and, unless
    /// <paramref name="startAfter"/> is false (for references both ways), starts after it is SERVING.
    /// </summary>
    public ServiceResource WithReference(ServiceResource other, bool startAfter = true)
    {
        if (startAfter)
        {
            _references.Add(other);
        }

        _environment[$"services__{other.Name}__grpc__0"] = other.Address;
        if (other.HttpAddress is { } httpAddress)
        {
            _environment[$"services__{other.Name}__http__0"] = httpAddress;
        }

        return this;
    }

    public ServiceResource WithEnvironment(string key, string value)
    {
        _environment[key] = value;
        return this;
    }

    public ServiceResource WithArguments(params string[] arguments)
    {
        _arguments.AddRange(arguments);
        return this;
    }
}

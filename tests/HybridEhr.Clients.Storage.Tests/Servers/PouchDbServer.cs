namespace HybridEhr.Clients.Storage.Tests.Servers;

/// <summary>
/// npm pouchdb-server (CouchDB API) on a free loopback port with a temp data directory. Admin party, which is only
/// acceptable because it binds 127.0.0.1.
/// </summary>
public sealed class PouchDbServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private ServerProcess? _process;

    private PouchDbServer(int port, string dataDirectory)
    {
        Port = port;
        DataDirectory = dataDirectory;
    }

    public int Port { get; }

    public string DataDirectory { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}/");

    public int? ProcessId => _process?.Id;

    public static async Task<PouchDbServer> StartAsync()
    {
        await NodePackages.EnsureInstalledAsync();
        var server = new PouchDbServer(ServerProcess.FreeLoopbackPort(), ServerProcess.CreateTempDirectory("pouchdb-server"));
        try
        {
            await server.RunAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Kills the server and starts it again on the same port and data directory.</summary>
    public async Task RestartAsync()
    {
        Stop();
        await RunAsync();
    }

    public void Stop()
    {
        _process?.Dispose();
        _process = null;
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        ServerProcess.DeleteDirectory(DataDirectory);
        return ValueTask.CompletedTask;
    }

    private async Task RunAsync()
    {
        var binary = NodePackages.Binary(Path.Combine("pouchdb-server", "bin", "pouchdb-server"));
        // pouchdb-server writes config.json and log.txt to its working directory: keep them in the data directory.
        _process = ServerProcess.Start(DataDirectory, new Dictionary<string, string>(),
            "--unhandled-rejections=warn", binary, "-o", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-d", DataDirectory, "-n");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await _process.WaitUntilReadyAsync("pouchdb-server", async () => (await http.GetAsync(Url)).IsSuccessStatusCode, StartTimeout);
    }
}

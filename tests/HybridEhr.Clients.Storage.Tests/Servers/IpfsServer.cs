using System.Globalization;
using System.Text.Json.Nodes;

namespace HybridEhr.Clients.Storage.Tests.Servers;

/// <summary>
/// npm js-ipfs daemon, offline, with its RPC API, gateway and gRPC on free loopback ports and a temp repository.
/// </summary>
public sealed class IpfsServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private ServerProcess? _process;

    private IpfsServer(string repository)
    {
        Repository = repository;
    }

    public string Repository { get; }

    public int ApiPort { get; private set; }

    public Uri ApiUrl => new($"http://127.0.0.1:{ApiPort}/");

    public static async Task<IpfsServer> StartAsync()
    {
        await NodePackages.EnsureInstalledAsync();
        var server = new IpfsServer(ServerProcess.CreateTempDirectory("js-ipfs"));
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

    public ValueTask DisposeAsync()
    {
        _process?.Dispose();
        _process = null;
        ServerProcess.DeleteDirectory(Repository);
        return ValueTask.CompletedTask;
    }

    private async Task RunAsync()
    {
        ApiPort = ServerProcess.FreeLoopbackPort();
        var config = new JsonObject
        {
            ["Addresses"] = new JsonObject
            {
                ["API"] = Loopback(ApiPort),
                ["Gateway"] = Loopback(ServerProcess.FreeLoopbackPort()),
                ["RPC"] = Loopback(ServerProcess.FreeLoopbackPort()),
                ["Swarm"] = new JsonArray(),
                ["Announce"] = new JsonArray(),
                ["NoAnnounce"] = new JsonArray(),
                ["Delegates"] = new JsonArray(),
            },
            ["Bootstrap"] = new JsonArray(),
            ["Discovery"] = new JsonObject
            {
                ["MDNS"] = new JsonObject { ["Enabled"] = false },
                ["webRTCStar"] = new JsonObject { ["Enabled"] = false },
            },
        };
        var configPath = Path.Combine(Repository, "init-config.json");
        var repositoryPath = Path.Combine(Repository, "repo");
        await File.WriteAllTextAsync(configPath, config.ToJsonString());
        var binary = NodePackages.Binary(Path.Combine(".bin", "jsipfs"));
        _process = ServerProcess.Start(Repository, new Dictionary<string, string> { ["IPFS_PATH"] = repositoryPath },
            "--unhandled-rejections=warn", binary, "daemon", "--offline", "--enable-preload=false", "--init-profile=test",
            "--init-config", configPath);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await _process.WaitUntilReadyAsync("js-ipfs daemon",
            async () => (await http.PostAsync(new Uri(ApiUrl, "api/v0/version"), null)).IsSuccessStatusCode, StartTimeout);
    }

    private static string Loopback(int port) => "/ip4/127.0.0.1/tcp/" + port.ToString(CultureInfo.InvariantCulture);
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace HybridEhr.Testing;

/// <summary>One of our executables (a service, the devnet) started as its own process from its build output, on a free loopback port.</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServiceProcess(string name, Process process, string address, string? httpAddress)
    {
        Name = name;
        _process = process;
        Address = address;
        HttpAddress = httpAddress;
    }

    public string Name { get; }

    /// <summary>The grpc endpoint (h2c).</summary>
    public string Address { get; }

    /// <summary>The http endpoint (HTTP/1.1: JSON, gRPC-Web, OpenAPI, JWKS), when it was started with one.</summary>
    public string? HttpAddress { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts services/NAME.</summary>
    public static Task<ServiceProcess> StartAsync(string name, IReadOnlyDictionary<string, string>? environment = null) =>
        StartAsync(name, Path.Combine(Repository.Root, "services", name, "bin", Repository.Configuration, "net10.0", $"HybridEhr.{name}.dll"), [], environment);

    /// <summary>
    /// Starts an assembly listening on a free port (or <paramref name="address"/>) plus <paramref name="arguments"/>,
    /// and waits until it is SERVING (for <paramref name="servingTimeout"/>, one minute unless given); if it never is,
    /// the process is stopped and the wait's failure thrown. With <paramref name="httpAddress"/> a service gets both
    /// of its named Kestrel endpoints (grpc at the address, http there), as the AppHost starts it; without, --urls.
    /// </summary>
    public static async Task<ServiceProcess> StartAsync(
        string name, string dll, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? address = null,
        TimeSpan? servingTimeout = null, string? httpAddress = null)
    {
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"Build the solution first: {dll} is missing.");
        }

        address ??= $"http://127.0.0.1:{FreePort()}";
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        if (httpAddress is null)
        {
            info.ArgumentList.Add("--urls");
            info.ArgumentList.Add(address);
        }
        else
        {
            info.ArgumentList.Add($"--Kestrel:Endpoints:grpc:Url={address}");
            info.ArgumentList.Add($"--Kestrel:Endpoints:http:Url={httpAddress}");
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {name}.");
        var service = new ServiceProcess(name, process, address, httpAddress);
        try
        {
            process.OutputDataReceived += (_, e) => service.Append(e.Data);
            process.ErrorDataReceived += (_, e) => service.Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            await service.WaitUntilServingAsync(servingTimeout ?? TimeSpan.FromSeconds(60));
            return service;
        }
        catch
        {
            // Nobody else holds the process yet: a service that never became SERVING would outlive the test run
            // and keep calling the chains it was pointed at.
            await service.DisposeAsync();
            throw;
        }
    }

    /// <summary>Kills the process at once (SIGKILL), as a crash would.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task WaitUntilServingAsync(TimeSpan timeout)
    {
        using var channel = GrpcChannel.ForAddress(Address);
        var health = new Health.HealthClient(channel);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                var status = await health.CheckAsync(new HealthCheckRequest(), new CallOptions(deadline: DateTime.UtcNow.Add(TimeSpan.FromSeconds(2))));
                if (status.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return;
                }
            }
            catch (RpcException) when (DateTime.UtcNow < deadline)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"{Name} did not report SERVING within {timeout}:\n{Output}");
            }

            await Task.Delay(100);
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>
    /// A loopback port free now, below Linux's ephemeral range (32768 and up): a port the kernel hands out for
    /// outgoing connections could be taken by any process's connection between this pick and the service's bind,
    /// and a system of a dozen processes picks many ports before the last one binds.
    /// </summary>
    public static int FreePort()
    {
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var port = Random.Shared.Next(20_000, 32_000);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
        }

        throw new InvalidOperationException("No free loopback port between 20000 and 32000.");
    }
}

public static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>The build configuration these tests were built in (the services were built alongside).</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HybridEhr.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("HybridEhr.sln not found above " + AppContext.BaseDirectory);
    }
}

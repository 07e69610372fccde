using System.Diagnostics;
using System.Text.Json;
using HybridEhr.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace HybridEhr.Grpc.Tests;

/// <summary>Something that serves the conformance contract at an address.</summary>
public interface IConformanceTarget
{
    string Address { get; }
}

/// <summary>Our server, wired exactly as a service is (AddServiceDefaults + MapDefaultEndpoints), on a free port.</summary>
public sealed class OurServerFixture : IConformanceTarget, IAsyncLifetime
{
    private WebApplication? _app;

    public string Address { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.AddServiceDefaults();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<ConformanceStats>();
        _app = builder.Build();
        _app.MapGrpcService<ConformanceService>();
        _app.MapDefaultEndpoints();
        await _app.StartAsync();
        Address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

/// <summary>Where the repository and the Python interop scripts are.</summary>
public static class Interop
{
    public const string Python = "/usr/bin/python3";

    public static string RepositoryRoot { get; } = FindRoot();

    public static string ScriptsDirectory => Path.Combine(RepositoryRoot, "tests", "interop");

    private static readonly Lazy<string> DescriptorSetPath = new(BuildDescriptorSet);

    public static string DescriptorSet => DescriptorSetPath.Value;

    /// <summary>Fails loudly when Debian's python3-grpcio is missing: interop tests must never pass by skipping.</summary>
    public static void RequirePythonGrpc()
    {
        var (code, output) = Run(Python, ["-c", "import grpc, google.protobuf; print(grpc.__version__)"], TimeSpan.FromSeconds(30));
        if (code != 0)
        {
            throw new InvalidOperationException(
                $"Debian's python3-grpcio is required at {Python} (apt-get install python3-grpcio python3-protobuf; ./test.sh installs it): {output}");
        }
    }

    public static (int ExitCode, string Output) Run(string file, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish within {timeout}.");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static string BuildDescriptorSet()
    {
        var path = Path.Combine(Path.GetTempPath(), $"hybridehr-conformance-{Environment.ProcessId}.pb");
        var (code, output) = Run("bash", [Path.Combine(ScriptsDirectory, "make_descriptor_set.sh"), path], TimeSpan.FromSeconds(60));
        if (code != 0)
        {
            throw new InvalidOperationException($"make_descriptor_set.sh failed: {output}");
        }

        return path;
    }

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

/// <summary>Runs the grpcio client's cases once against our server and keeps what it observed.</summary>
public sealed class PythonClientObservations : IAsyncLifetime
{
    private readonly OurServerFixture _server = new();

    public JsonElement Cases { get; private set; }

    public async Task InitializeAsync()
    {
        Interop.RequirePythonGrpc();
        await _server.InitializeAsync();
        var target = new Uri(_server.Address).Authority;
        var (code, output) = Interop.Run(Interop.Python,
            [Path.Combine(Interop.ScriptsDirectory, "conformance_client.py"), "--target", target, "--descriptor-set", Interop.DescriptorSet],
            TimeSpan.FromSeconds(120));
        if (code != 0)
        {
            throw new InvalidOperationException($"The Python conformance client failed ({code}): {output}");
        }

        var json = output[output.IndexOf('{', StringComparison.Ordinal)..];
        Cases = JsonDocument.Parse(json).RootElement.Clone();
    }

    public Task DisposeAsync() => _server.DisposeAsync();

    public JsonElement Case(string name) =>
        Cases.TryGetProperty(name, out var value) ? value : throw new KeyNotFoundException($"The Python client reported no case '{name}'.");
}

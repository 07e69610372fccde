using System.Diagnostics;
using System.Text.Json;
using HybridEhr.Grpc.Client;
using HybridEhr.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using HybridEhr.Grpc.Server;
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

/// <summary>The grpcio (C-core) server from tests/interop, started on a free port.</summary>
public sealed class PythonServerFixture : IConformanceTarget, IAsyncLifetime
{
    private Process? _process;

    public string Address { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Interop.RequirePythonGrpc();
        var info = new ProcessStartInfo(Interop.Python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { Path.Combine(Interop.ScriptsDirectory, "conformance_server.py"), "--descriptor-set", Interop.DescriptorSet, "--port", "0" })
        {
            info.ArgumentList.Add(argument);
        }

        _process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the Python server.");
        var line = await _process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (line is null || !line.StartsWith("LISTENING ", StringComparison.Ordinal))
        {
            var error = await _process.StandardError.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(5));
            throw new InvalidOperationException($"The Python conformance server did not start: {line} {error}");
        }

        Address = $"http://127.0.0.1:{line["LISTENING ".Length..].Trim()}";
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(5000))
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process?.Dispose();
        return Task.CompletedTask;
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

/// <summary>Typed client for the conformance service: the pattern every typed client follows.</summary>
public sealed class ConformanceClient(GrpcChannel channel) : GrpcClient(channel)
{
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor Service = ConformanceService.Descriptor;

    public static readonly Method<Conformance.EchoRequest, Conformance.EchoResponse> EchoMethod = Method<Conformance.EchoRequest, Conformance.EchoResponse>.Create(Service, "Echo");
    public static readonly Method<Conformance.StreamRequest, Conformance.EchoResponse> ServerStreamMethod = Method<Conformance.StreamRequest, Conformance.EchoResponse>.Create(Service, "ServerStream");
    public static readonly Method<Conformance.EchoRequest, Conformance.EchoResponse> ClientStreamMethod = Method<Conformance.EchoRequest, Conformance.EchoResponse>.Create(Service, "ClientStream");
    public static readonly Method<Conformance.EchoRequest, Conformance.EchoResponse> BidiMethod = Method<Conformance.EchoRequest, Conformance.EchoResponse>.Create(Service, "Bidi");
    public static readonly Method<Conformance.StatsRequest, Conformance.StatsResponse> StatsMethod = Method<Conformance.StatsRequest, Conformance.StatsResponse>.Create(Service, "Stats");

    public AsyncUnaryCall<Conformance.EchoResponse> Echo(Conformance.EchoRequest request, CallOptions options = default) => Channel.Unary(EchoMethod, request, options);

    public AsyncServerStreamingCall<Conformance.EchoResponse> ServerStream(Conformance.StreamRequest request, CallOptions options = default) => Channel.ServerStreaming(ServerStreamMethod, request, options);

    public AsyncClientStreamingCall<Conformance.EchoRequest, Conformance.EchoResponse> ClientStream(CallOptions options = default) => Channel.ClientStreaming(ClientStreamMethod, options);

    public AsyncDuplexStreamingCall<Conformance.EchoRequest, Conformance.EchoResponse> Bidi(CallOptions options = default) => Channel.DuplexStreaming(BidiMethod, options);

    public AsyncUnaryCall<Conformance.StatsResponse> Stats(CallOptions options = default) => Channel.Unary(StatsMethod, new Conformance.StatsRequest(), options);
}

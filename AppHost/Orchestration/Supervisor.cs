using System.Diagnostics;
using System.Runtime.InteropServices;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace HybridEhr.AppHost.Orchestration;

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<ResourceState>))]
public enum ResourceState
{
    Waiting,
    Starting,
    Running,
    Unhealthy,
    Crashed,
    Stopped,
}

/// <summary>What the dashboard shows of one resource.</summary>
public sealed record ResourceSnapshot(
    string Name, string Address, ResourceState State, int? ProcessId, int Restarts, DateTimeOffset? StartedAt, string? LastError,
    string? HttpAddress = null);

/// <summary>
/// Starts the resources in dependency order (each once its dependencies report SERVING), restarts any that exits
/// with a growing back-off, polls health, keeps recent logs, and stops everything gracefully (SIGTERM, then kill).
/// </summary>
public sealed partial class Supervisor : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private readonly IReadOnlyList<ResourceRuntime> _resources;
    private readonly CancellationTokenSource _stopping;

    internal Supervisor(IReadOnlyList<ServiceResource> ordered, CancellationTokenSource stopping)
    {
        _resources = ordered.Select(r => new ResourceRuntime(r)).ToList();
        _stopping = stopping;
    }

    public IEnumerable<ResourceSnapshot> Snapshot() => _resources.Select(r => r.Snapshot());

    public IReadOnlyList<string>? Logs(string name) => Find(name)?.Logs();

    /// <summary>Starts everything in order; returns once all are SERVING (or have failed to start, which is logged).</summary>
    public async Task StartAsync()
    {
        foreach (var resource in _resources)
        {
            foreach (var dependency in resource.Definition.References)
            {
                await Find(dependency.Name)!.WaitServingAsync(_stopping.Token).ConfigureAwait(false);
            }

            resource.Watch = Task.Run(() => SuperviseAsync(resource, _stopping.Token));
            await resource.WaitServingAsync(_stopping.Token).WaitAsync(StartTimeout, _stopping.Token).ConfigureAwait(false);
        }
    }

    public async Task RestartAsync(string name)
    {
        var resource = Find(name) ?? throw new KeyNotFoundException(name);
        await resource.StopProcessAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var resource in _resources.AsEnumerable().Reverse())
        {
            await resource.StopProcessAsync().ConfigureAwait(false);
            resource.State = ResourceState.Stopped;
            if (resource.Watch is { } watch)
            {
                await watch.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private ResourceRuntime? Find(string name) => _resources.FirstOrDefault(r => r.Definition.Name == name);

    private static async Task SuperviseAsync(ResourceRuntime resource, CancellationToken stopping)
    {
        var backoff = TimeSpan.FromSeconds(1);
        while (!stopping.IsCancellationRequested)
        {
            var started = DateTimeOffset.UtcNow;
            try
            {
                // The process object stays with the resource (not disposed here): DisposeAsync stops it in order.
                var process = resource.StartProcess();
                using var exited = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                var health = PollHealthAsync(resource, process, exited.Token);
                await process.WaitForExitAsync(stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                await exited.CancelAsync().ConfigureAwait(false);
                await health.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (stopping.IsCancellationRequested)
                {
                    return;
                }

                resource.Crashed($"exited with code {process.ExitCode}");
            }
            catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or FileNotFoundException)
            {
                resource.Crashed(ex.Message);
            }

            // A process that ran a while before failing gets a quick restart; one failing at once backs off.
            backoff = DateTimeOffset.UtcNow - started > TimeSpan.FromMinutes(1) ? TimeSpan.FromSeconds(1)
                : TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
            await Task.Delay(backoff, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private static async Task PollHealthAsync(ResourceRuntime resource, Process process, CancellationToken stopping)
    {
        using var channel = GrpcChannel.ForAddress(resource.Definition.Address);
        var health = new Health.HealthClient(channel);
        while (!stopping.IsCancellationRequested && !process.HasExited)
        {
            try
            {
                var status = await health.CheckAsync(new HealthCheckRequest(), new CallOptions(deadline: DateTime.UtcNow.Add(TimeSpan.FromSeconds(2)), cancellationToken: stopping)).ResponseAsync.ConfigureAwait(false);
                resource.ReportHealth(status.Status == ServingStatus.Serving);
            }
            catch (RpcException)
            {
                resource.ReportHealth(serving: false);
            }

            await Task.Delay(resource.State == ResourceState.Running ? 2000 : 200, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>The live side of a resource: its process, state and recent output.</summary>
    private sealed class ResourceRuntime(ServiceResource definition)
    {
        private const int MaxLogLines = 500;
        private readonly Queue<string> _logs = new();
        private readonly Lock _lock = new();
        private TaskCompletionSource _serving = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Process? _process;
        private int _restarts = -1;
        private DateTimeOffset? _startedAt;
        private string? _lastError;

        public ServiceResource Definition { get; } = definition;

        public ResourceState State { get; set; } = ResourceState.Waiting;

        public Task? Watch { get; set; }

        public Task WaitServingAsync(CancellationToken cancellationToken) => _serving.Task.WaitAsync(cancellationToken);

        public Process StartProcess()
        {
            Directory.CreateDirectory(Definition.DataDirectory);
            var info = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            info.ArgumentList.Add(Definition.AssemblyPath);
            foreach (var argument in Definition.ListenArguments)
            {
                info.ArgumentList.Add(argument);
            }

            foreach (var argument in Definition.Arguments)
            {
                info.ArgumentList.Add(argument);
            }

            info.Environment["DataDirectory"] = Definition.DataDirectory;
            info.Environment["OTEL_SERVICE_NAME"] = Definition.Name;
            foreach (var (key, value) in Definition.Environment)
            {
                info.Environment[key] = value;
            }

            if (!File.Exists(Definition.AssemblyPath))
            {
                throw new FileNotFoundException($"{Definition.AssemblyPath} is missing: build the solution first.");
            }

            var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {Definition.Name}.");
            lock (_lock)
            {
                _process?.Dispose();
            }

            process.OutputDataReceived += (_, e) => Log(e.Data);
            process.ErrorDataReceived += (_, e) => Log(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            lock (_lock)
            {
                _process = process;
                _restarts++;
                _startedAt = DateTimeOffset.UtcNow;
                State = ResourceState.Starting;
            }

            return process;
        }

        public void ReportHealth(bool serving)
        {
            lock (_lock)
            {
                if (State is ResourceState.Crashed or ResourceState.Stopped)
                {
                    return;
                }

                State = serving ? ResourceState.Running : State == ResourceState.Starting ? ResourceState.Starting : ResourceState.Unhealthy;
                if (serving)
                {
                    _serving.TrySetResult();
                }
            }
        }

        public void Crashed(string reason)
        {
            lock (_lock)
            {
                State = ResourceState.Crashed;
                _lastError = reason;
                if (_serving.Task.IsCompleted)
                {
                    _serving = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }

            Log($"[apphost] {Definition.Name} {reason}; restarting");
        }

        public async Task StopProcessAsync()
        {
            Process? process;
            lock (_lock)
            {
                process = _process;
            }

            if (process is null || process.HasExited)
            {
                return;
            }

            // SIGTERM first so the service can finish in-flight work; kill if it does not exit in time.
            if (SendTerminate(process.Id, 15) != 0)
            {
                process.Kill(entireProcessTree: true);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        public IReadOnlyList<string> Logs()
        {
            lock (_lock)
            {
                return [.. _logs];
            }
        }

        public ResourceSnapshot Snapshot()
        {
            lock (_lock)
            {
                return new ResourceSnapshot(Definition.Name, Definition.Address, State,
                    _process is { HasExited: false } p ? p.Id : null, Math.Max(0, _restarts), _startedAt, _lastError, Definition.HttpAddress);
            }
        }

        private void Log(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_lock)
            {
                _logs.Enqueue(line);
                while (_logs.Count > MaxLogLines)
                {
                    _logs.Dequeue();
                }
            }

            Console.WriteLine($"[{Definition.Name}] {line}");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int SendTerminate(int pid, int signal);
}

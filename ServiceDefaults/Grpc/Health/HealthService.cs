using System.Threading.Channels;
using HybridEhr.Grpc.Server;
using ServingStatus = HybridEhr.Grpc.Health.HealthCheckResponse.Types.ServingStatus;

namespace HybridEhr.Grpc.Health;

/// <summary>
/// The serving status of the server ("") and of each service. Services start SERVING when mapped; a service whose
/// dependency fails can report NOT_SERVING, and the host reports NOT_SERVING for all while it shuts down.
/// </summary>
public sealed class HealthStatusRegistry
{
    private readonly Dictionary<string, ServingStatus> _statuses = new(StringComparer.Ordinal) { [""] = ServingStatus.Serving };
    private readonly List<Channel<(string Service, ServingStatus Status)>> _watchers = [];
    private readonly Lock _lock = new();

    public ServingStatus? GetStatus(string service)
    {
        lock (_lock)
        {
            return _statuses.TryGetValue(service, out var status) ? status : null;
        }
    }

    public void SetStatus(string service, ServingStatus status)
    {
        lock (_lock)
        {
            _statuses[service] = status;
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryWrite((service, status));
            }
        }
    }

    /// <summary>Sets every known service (and the server) to the same status, e.g. NOT_SERVING on shutdown.</summary>
    public void SetAll(ServingStatus status)
    {
        lock (_lock)
        {
            foreach (var service in _statuses.Keys.ToList())
            {
                SetStatus(service, status);
            }
        }
    }

    internal ChannelReader<(string Service, ServingStatus Status)> Subscribe(CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<(string, ServingStatus)>(new UnboundedChannelOptions { SingleReader = true });
        lock (_lock)
        {
            _watchers.Add(channel);
        }

        cancellationToken.Register(() =>
        {
            lock (_lock)
            {
                _watchers.Remove(channel);
            }

            channel.Writer.TryComplete();
        });
        return channel.Reader;
    }
}

/// <summary>grpc.health.v1.Health over <see cref="HealthStatusRegistry"/>.</summary>
internal sealed class HealthService(HealthStatusRegistry registry)
{
    public Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        var status = registry.GetStatus(request.Service)
            ?? throw new RpcException(StatusCode.NotFound, $"Unknown service: {request.Service}");
        return Task.FromResult(new HealthCheckResponse { Status = status });
    }

    public async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responses, ServerCallContext context)
    {
        // Subscribe before reading the current status, so that no change in between is missed.
        var changes = registry.Subscribe(context.CancellationToken);
        var last = registry.GetStatus(request.Service) ?? ServingStatus.ServiceUnknown;
        await responses.WriteAsync(new HealthCheckResponse { Status = last }).ConfigureAwait(false);
        await foreach (var (service, status) in changes.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
        {
            if (service == request.Service && status != last)
            {
                last = status;
                await responses.WriteAsync(new HealthCheckResponse { Status = status }).ConfigureAwait(false);
            }
        }
    }
}

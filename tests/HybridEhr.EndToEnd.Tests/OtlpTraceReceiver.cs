using System.Collections.Concurrent;
using System.Net;
using Grpc.Core;
using HybridEhr.EndToEnd.Tests.Otlp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HybridEhr.EndToEnd.Tests;

/// <summary>One exported span: the service that sent it (resource service.name), its trace, its name and kind.</summary>
public sealed record ReceivedSpan(string Service, string TraceId, string SpanId, string ParentSpanId, string Name, int Kind, string Scope);

/// <summary>
/// An OTLP/gRPC trace receiver on a free loopback port (h2c), standing where the Aspire dashboard or a collector would:
/// the services' OpenTelemetry exporters send to it when OTEL_EXPORTER_OTLP_ENDPOINT names it.
/// </summary>
public sealed class OtlpTraceReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpTraceReceiver(WebApplication app, string endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public string Endpoint { get; }

    public IReadOnlyCollection<ReceivedSpan> Spans => _app.Services.GetRequiredService<ConcurrentQueue<ReceivedSpan>>();

    public static async Task<OtlpTraceReceiver> StartAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(new ConcurrentQueue<ReceivedSpan>());
        var app = builder.Build();
        app.MapGrpcService<Receiver>();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new OtlpTraceReceiver(app, address);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private sealed class Receiver(ConcurrentQueue<ReceivedSpan> spans) : TraceService.TraceServiceBase
    {
        public override Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context)
        {
            foreach (var resource in request.ResourceSpans)
            {
                var service = resource.Resource?.Attributes.FirstOrDefault(a => a.Key == "service.name")?.Value?.StringValue ?? "";
                foreach (var scope in resource.ScopeSpans)
                {
                    foreach (var span in scope.Spans)
                    {
                        spans.Enqueue(new ReceivedSpan(service, Convert.ToHexStringLower(span.TraceId.Span), Convert.ToHexStringLower(span.SpanId.Span),
                            Convert.ToHexStringLower(span.ParentSpanId.Span), span.Name, span.Kind, scope.Scope?.Name ?? ""));
                    }
                }
            }

            return Task.FromResult(new ExportTraceServiceResponse());
        }
    }
}

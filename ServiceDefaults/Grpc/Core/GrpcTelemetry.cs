using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace HybridEhr.Grpc;

/// <summary>The names under which the gRPC stack reports traces and metrics (OpenTelemetry subscribes to them).</summary>
public static class GrpcTelemetry
{
    public const string Name = "HybridEhr.Grpc";

    internal static readonly ActivitySource ActivitySource = new(Name);

    private static readonly Meter Meter = new(Name);

    internal static readonly Histogram<double> ServerDuration = Meter.CreateHistogram<double>(
        "rpc.server.duration", "ms", "Duration of inbound gRPC calls.");

    internal static readonly Histogram<double> ClientDuration = Meter.CreateHistogram<double>(
        "rpc.client.duration", "ms", "Duration of outbound gRPC calls.");

    internal static void SetRpcTags(Activity activity, string service, string method)
    {
        activity.SetTag("rpc.system", "grpc");
        activity.SetTag("rpc.service", service);
        activity.SetTag("rpc.method", method);
    }

    internal static void SetStatus(Activity? activity, StatusCode code)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag("rpc.grpc.status_code", (int)code);
        if (code != StatusCode.OK)
        {
            activity.SetStatus(ActivityStatusCode.Error, code.ToString());
        }
    }

    internal static TagList Tags(string service, string method, StatusCode code) => new()
    {
        { "rpc.system", "grpc" },
        { "rpc.service", service },
        { "rpc.method", method },
        { "rpc.grpc.status_code", (int)code },
    };
}

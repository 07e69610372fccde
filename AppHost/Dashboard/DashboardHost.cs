using System.Net;
using System.Text;
using HybridEhr.AppHost.Orchestration;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace HybridEhr.AppHost.Dashboard;

/// <summary>
/// The developers' view of the running system: a page with every resource's state, address, PID, restarts and
/// recent logs, and the same as JSON for scripts (GET /api/resources, GET /api/resources/{name}/logs,
/// POST /api/resources/{name}/restart).
/// </summary>
public static class DashboardHost
{
    public static async Task RunAsync(Supervisor supervisor, string url, CancellationToken stopping)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(e => e.Protocols = HttpProtocols.Http1));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        await using var app = builder.Build();

        app.MapGet("/", () => Results.Content(RenderPage(supervisor), "text/html; charset=utf-8"));
        app.MapGet("/api/resources", () => Results.Json(supervisor.Snapshot()));
        app.MapGet("/api/resources/{name}/logs", (string name) =>
            supervisor.Logs(name) is { } lines ? Results.Text(string.Join('\n', lines)) : Results.NotFound($"No resource named '{name}'."));
        app.MapPost("/api/resources/{name}/restart", async (string name) =>
        {
            if (supervisor.Logs(name) is null)
            {
                return Results.NotFound($"No resource named '{name}'.");
            }

            await supervisor.RestartAsync(name);
            return Results.Accepted();
        });

        await app.StartAsync(stopping);
        Console.WriteLine($"[apphost] dashboard: {url}");
        try
        {
            await supervisor.StartAsync();
            Console.WriteLine("[apphost] all resources are SERVING:");
            foreach (var resource in supervisor.Snapshot())
            {
                Console.WriteLine(resource.HttpAddress is null
                    ? $"[apphost]   {resource.Name,-14} grpc {resource.Address}"
                    : $"[apphost]   {resource.Name,-14} grpc {resource.Address}  http {resource.HttpAddress}");
            }

            await Task.Delay(Timeout.Infinite, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            Console.WriteLine("[apphost] stopping");
        }
        catch (TimeoutException)
        {
            Console.WriteLine("[apphost] a resource did not become SERVING in time; see its logs on the dashboard. Still watching.");
            await Task.Delay(Timeout.Infinite, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await app.StopAsync(CancellationToken.None);
    }

    private static string RenderPage(Supervisor supervisor)
    {
        var html = new StringBuilder();
        html.Append("""
            <!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">
            <title>HybridEhr dashboard</title>
            <style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{padding:.4em .8em;border-bottom:1px solid #ddd;text-align:left}
            .Running{color:#137333}.Crashed,.Unhealthy{color:#c5221f}.Starting,.Waiting{color:#b06000}pre{background:#f6f6f6;padding:.5em;max-height:12em;overflow:auto}</style>
            </head><body><h1>HybridEhr</h1><table><tr><th>resource</th><th>state</th><th>address</th><th>pid</th><th>restarts</th><th>started</th><th>last error</th></tr>
            """);
        var snapshots = supervisor.Snapshot().ToList();
        foreach (var r in snapshots)
        {
            html.Append($"<tr><td>{E(r.Name)}</td><td class=\"{r.State}\">{r.State}</td><td>{E(r.Address)}{(r.HttpAddress is null ? "" : "<br>" + E(r.HttpAddress))}</td><td>{r.ProcessId}</td>")
                .Append($"<td>{r.Restarts}</td><td>{r.StartedAt:HH:mm:ss}</td><td>{E(r.LastError ?? "")}</td></tr>");
        }

        html.Append("</table>");
        foreach (var r in snapshots)
        {
            var tail = supervisor.Logs(r.Name)?.TakeLast(20) ?? [];
            html.Append($"<h3>{E(r.Name)}</h3><pre>{E(string.Join('\n', tail))}</pre>");
        }

        return html.Append("</body></html>").ToString();
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}

using System.ComponentModel;
using System.Diagnostics;

namespace HybridEhr.Testing;

/// <summary>
/// Runs an external tool (node, npm) to completion with its output captured, optionally feeding text on stdin. A tool
/// that is not installed is an exception naming it and what needs it; one that overruns its time is killed with its
/// children and reported as a <see cref="TimeoutException"/>.
/// </summary>
public static class ExternalTool
{
    /// <param name="requiredBy">What needs the tool, as a clause: "the Fabric cross-checks need Node.js 20+ and npm".</param>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(
        string file,
        IEnumerable<string> arguments,
        string workingDirectory,
        TimeSpan timeout,
        string requiredBy,
        string? stdin = null,
        CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        }
        catch (Win32Exception error)
        {
            throw new InvalidOperationException($"'{file}' is not installed or not on PATH ({error.Message}): {requiredBy}", error);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            if (stdin is not null)
            {
                await process.StandardInput.WriteAsync(stdin.AsMemory(), cancellationToken).ConfigureAwait(false);
            }

            process.StandardInput.Close();
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                cancellationToken.ThrowIfCancellationRequested();
                throw new TimeoutException($"{file} {string.Join(' ', start.ArgumentList)} did not finish within {timeout}");
            }

            return (process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
        }
    }

    /// <summary><see cref="RunAsync"/> for callers that cannot await (fixture constructors, lazy initialisers).</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(
        string file, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout, string requiredBy, string? stdin = null) =>
        RunAsync(file, arguments, workingDirectory, timeout, requiredBy, stdin).GetAwaiter().GetResult();
}

using System.Net.Sockets;
using HybridEhr.Testing;
using Xunit;

namespace HybridEhr.Services.Tests;

/// <summary>The test harness itself: a service that never reports SERVING must not outlive its failed start.</summary>
public sealed class ServiceProcessTests
{
    [Fact]
    public async Task A_service_that_never_becomes_serving_is_stopped_when_its_start_fails()
    {
        // Records told to listen on another port than the one the harness waits on (the last --urls wins): it runs,
        // but never answers where the harness asks.
        var elsewhere = $"http://127.0.0.1:{ServiceProcess.FreePort()}";
        var dll = Path.Combine(Repository.Root, "services", "Records", "bin", Repository.Configuration, "net10.0", "HybridEhr.Records.dll");
        var data = Directory.CreateTempSubdirectory("hybridehr-never-serving-").FullName;
        try
        {
            var listening = WaitUntilListeningAsync(new Uri(elsewhere).Port);
            var failure = await Assert.ThrowsAnyAsync<Exception>(() => ServiceProcess.StartAsync("records", dll, ["--urls", elsewhere],
                new Dictionary<string, string> { ["DataDirectory"] = data }, servingTimeout: TimeSpan.FromSeconds(20)));
            Assert.True(await listening, $"the service never listened on {elsewhere}, so the test proves nothing: {failure.Message}");

            // Stopped: nothing accepts connections where it was listening.
            using var probe = new TcpClient();
            var refused = await Assert.ThrowsAsync<SocketException>(() => probe.ConnectAsync("127.0.0.1", new Uri(elsewhere).Port));
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>True once something accepts connections on the port (polled until the harness's wait is surely over).</summary>
    private static async Task<bool> WaitUntilListeningAsync(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            using var probe = new TcpClient();
            try
            {
                await probe.ConnectAsync("127.0.0.1", port);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        return false;
    }
}

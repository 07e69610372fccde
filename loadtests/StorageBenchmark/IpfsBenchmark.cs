using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using HybridEhr.Clients.Ipfs;

namespace HybridEhr.StorageBenchmark;

/// <summary>add and cat of one large file: our client against curl, each round on fresh random content.</summary>
internal static class IpfsBenchmark
{
    public static async Task RunAsync(Uri api, BenchmarkSettings settings)
    {
        using var client = new IpfsClient(new IpfsOptions { ApiUri = api });
        var version = await client.GetVersionAsync();
        var bytes = settings.Megabytes * 1024L * 1024L;
        var directory = Directory.CreateTempSubdirectory("ipfs-bench-");
        var root = api.AbsoluteUri.TrimEnd('/') + "/api/v0/";
        try
        {
            // Warm-up with a small file both ways.
            var warm = await WriteRandomFileAsync(directory.FullName, "warm", 1024 * 1024);
            await using (var stream = File.OpenRead(warm))
            {
                await client.AddAsync(stream, "warm");
            }

            await External.RunAsync("curl", "-sS", "-X", "POST", "-F", $"file=@{warm}", root + "add?cid-version=1&cid-base=base32&progress=false");

            List<double> addOurs = [], addCurl = [], catOurs = [], catCurl = [];
            for (var round = 0; round < settings.Rounds; round++)
            {
                var ourFile = await WriteRandomFileAsync(directory.FullName, $"ours-{round}", bytes);
                var curlFile = await WriteRandomFileAsync(directory.FullName, $"curl-{round}", bytes);

                var clock = Stopwatch.StartNew();
                IpfsAddResult added;
                await using (var stream = File.OpenRead(ourFile))
                {
                    added = await client.AddAsync(stream, "image.bin");
                }

                addOurs.Add(MegabytesPerSecond(bytes, clock.Elapsed));

                var (output, elapsed) = await External.RunAsync("curl", "-sS", "-X", "POST", "-F", $"file=@{curlFile}",
                    root + "add?cid-version=1&cid-base=base32&pin=true&raw-leaves=true&progress=false");
                addCurl.Add(MegabytesPerSecond(bytes, elapsed));
                using (var answer = JsonDocument.Parse(output.Trim().Split('\n')[^1]))
                {
                    if (answer.RootElement.GetProperty("Hash").GetString() is not { Length: > 0 })
                    {
                        throw new InvalidOperationException("curl add returned no CID: " + output);
                    }
                }

                // Both read the same content; the order alternates so that neither always reads after the other.
                async Task CatOursAsync()
                {
                    var catClock = Stopwatch.StartNew();
                    await using var content = await client.CatAsync(added.Cid, TimeSpan.FromSeconds(60));
                    await content.CopyToAsync(Stream.Null);
                    catOurs.Add(MegabytesPerSecond(bytes, catClock.Elapsed));
                }

                async Task CatCurlAsync()
                {
                    var (_, catElapsed) = await External.RunAsync("curl", "-sS", "-f", "-X", "POST", "-o", "/dev/null",
                        root + $"cat?arg={added.Cid}&timeout=60s");
                    catCurl.Add(MegabytesPerSecond(bytes, catElapsed));
                }

                if (round % 2 == 0)
                {
                    await CatOursAsync();
                    await CatCurlAsync();
                }
                else
                {
                    await CatCurlAsync();
                    await CatOursAsync();
                }

                File.Delete(ourFile);
                File.Delete(curlFile);
            }

            Console.WriteLine();
            Console.WriteLine($"IPFS RPC: js-ipfs {version.Version}, one {settings.Megabytes} MB random file (CID v1, raw leaves, pinned), " +
                $"{settings.Rounds} rounds, median MB/s");
            Console.WriteLine($"  add  our client (IpfsClient)  {External.Median(addOurs),7:F1} MB/s   curl -F {External.Median(addCurl),7:F1} MB/s");
            Console.WriteLine($"  cat  our client (IpfsClient)  {External.Median(catOurs),7:F1} MB/s   curl    {External.Median(catCurl),7:F1} MB/s");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static double MegabytesPerSecond(long bytes, TimeSpan elapsed) => bytes / 1048576.0 / elapsed.TotalSeconds;

    private static async Task<string> WriteRandomFileAsync(string directory, string name, long length)
    {
        var path = Path.Combine(directory, name + ".bin");
        await using var file = File.Create(path);
        var buffer = new byte[1024 * 1024];
        for (long written = 0; written < length; written += buffer.Length)
        {
            RandomNumberGenerator.Fill(buffer);
            await file.WriteAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - written)));
        }

        return path;
    }
}

using System.Globalization;

namespace HybridEhr.StorageBenchmark;

/// <summary>--docs N (puts per round), --queries N (_find calls per round), --mb N (IPFS file size), --rounds N.</summary>
internal sealed record BenchmarkSettings(int Documents, int Queries, int Megabytes, int Rounds)
{
    public static BenchmarkSettings Parse(string[] args)
    {
        var settings = new BenchmarkSettings(Documents: 1000, Queries: 500, Megabytes: 16, Rounds: 3);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            settings = args[i] switch
            {
                "--docs" => settings with { Documents = value },
                "--queries" => settings with { Queries = value },
                "--mb" => settings with { Megabytes = value },
                "--rounds" => settings with { Rounds = value },
                _ => throw new ArgumentException($"Unknown option {args[i]}; use --docs, --queries, --mb, --rounds."),
            };
        }

        return settings;
    }
}

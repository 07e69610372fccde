using System.CommandLine;
using HybridEhr.Devnet.Host;

// The devnet: serve both chains (default), verify a block log, or benchmark the ledger.
var root = new RootCommand("HybridEhr devnet: the embedded development ledger (one node, two chains: permission and records).");

var data = new Option<string>("--data")
{
    Description = "Data directory (each chain in a sub-folder). Default: $DataDirectory, else .data/devnet.",
    DefaultValueFactory = _ => Environment.GetEnvironmentVariable("DataDirectory") ?? Path.Combine(".data", "devnet"),
};
var urls = new Option<string>("--urls") { Description = "Address to serve gRPC on (h2c).", DefaultValueFactory = _ => "http://127.0.0.1:5100" };
var blockTime = new Option<int>("--block-time-ms")
{
    Description = "0 = commit each transaction at once; N = cut a block every N ms (6000 mimics Polkadot).",
    DefaultValueFactory = _ => 0,
};
root.Options.Add(data);
root.Options.Add(urls);
root.Options.Add(blockTime);
root.SetAction((result, cancellation) => DevnetCommands.ServeAsync(
    new DevnetOptions { DataDirectory = result.GetValue(data)!, BlockTimeMs = result.GetValue(blockTime) }, result.GetValue(urls)!, cancellation));

var verifyData = new Option<string>("--data") { Description = "The devnet data directory, or one chain's folder.", Required = true };
var verify = new Command("verify", "Recompute every block's hashes and links; exit 1 naming the first bad block.") { verifyData };
verify.SetAction(result => DevnetCommands.Verify(result.GetValue(verifyData)!));
root.Subcommands.Add(verify);

var transactions = new Option<int>("--transactions") { Description = "Transactions per client.", DefaultValueFactory = _ => 0 };
var clients = new Option<int>("--concurrency") { Description = "Concurrent clients (0 = run the two standard scenarios).", DefaultValueFactory = _ => 0 };
var inFlight = new Option<int>("--in-flight") { Description = "Transactions each client keeps in flight.", DefaultValueFactory = _ => 0 };
var benchBlockTime = new Option<int>("--block-time-ms") { Description = "Block time for the run.", DefaultValueFactory = _ => 0 };
var bench = new Command("bench", "Measure committed transactions/s and submit-to-commit latency on this machine.")
{
    transactions, clients, inFlight, benchBlockTime,
};
bench.SetAction((result, cancellation) => DevnetCommands.BenchAsync(
    result.GetValue(clients), result.GetValue(transactions), result.GetValue(inFlight), result.GetValue(benchBlockTime), cancellation));
root.Subcommands.Add(bench);

return await root.Parse(args).InvokeAsync();

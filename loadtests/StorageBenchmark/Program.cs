using HybridEhr.Clients.Storage.Tests.Servers;
using HybridEhr.StorageBenchmark;

// Starts pouchdb-server and js-ipfs (installing tests/servers with npm ci if needed), then measures each operation
// through our clients and through node/curl against the same servers, alternating, and prints medians of the rounds.
var settings = BenchmarkSettings.Parse(args);
Console.WriteLine($"settings: {settings}");
await using var couchServer = await PouchDbServer.StartAsync();
await using var ipfsServer = await IpfsServer.StartAsync();
await CouchDbBenchmark.RunAsync(couchServer.Url, settings);
await IpfsBenchmark.RunAsync(ipfsServer.ApiUrl, settings);

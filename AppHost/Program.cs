using HybridEhr.AppHost.Dashboard;
using HybridEhr.AppHost.Orchestration;

// The system as a graph: each resource is a process with a port; a reference hands the referenced resource's
// address to the dependent one (as configuration Services:<name>) and makes it start after it is SERVING.
var system = new SystemBuilder(args);

var fabricGateway = system.AddService("fabricgateway", "services/FabricGateway", port: 5105);
var identity = system.AddService("identity", "services/Identity", port: 5101)
    .WithReference(fabricGateway);
var permissions = system.AddService("permissions", "services/Permissions", port: 5102)
    .WithReference(identity);
var records = system.AddService("records", "services/Records", port: 5103)
    .WithReference(identity)
    .WithReference(permissions)
    .WithReference(fabricGateway);
system.AddService("imagenft", "services/ImageNft", port: 5104)
    .WithReference(identity)
    .WithReference(permissions)
    .WithReference(records)
    .WithReference(fabricGateway);

await using var supervisor = system.Build();
await DashboardHost.RunAsync(supervisor, system.DashboardUrl, system.Stopping);

using HybridEhr.AppHost.Dashboard;
using HybridEhr.AppHost.Orchestration;

// The system as a graph: each resource is a process with its ports (grpc, h2c; http, HTTP/1.1 for REST, gRPC-Web and
// OpenAPI); a reference hands the referenced resource's addresses to the dependent one (as configuration
// services:<name>:grpc:0 and services:<name>:http:0) and makes it start after it is SERVING.
var system = new SystemBuilder(args);

// Both chains on the embedded development ledger; its data survives restarts in .data/devnet.
var devnet = system.AddService("devnet", "devnet", port: 5100);

// The hospital-administration key lets a developer enrol doctors (FabricGateway/EnrollDoctor); development only.
var fabricGateway = system.AddService("fabricgateway", "services/FabricGateway", port: 5105, httpPort: 5205)
    .WithReference(devnet)
    .WithEnvironment("FabricGateway__AdminKey", system.DevelopmentAdminKey);
var identity = system.AddService("identity", "services/Identity", port: 5101, httpPort: 5201)
    .WithReference(devnet)
    .WithReference(fabricGateway);
fabricGateway.WithReference(identity, startAfter: false);
var permissions = system.AddService("permissions", "services/Permissions", port: 5102, httpPort: 5202)
    .WithReference(devnet)
    .WithReference(identity);
var records = system.AddService("records", "services/Records", port: 5103, httpPort: 5203)
    .WithReference(identity)
    .WithReference(permissions)
    .WithReference(fabricGateway);
system.AddService("imagenft", "services/ImageNft", port: 5104, httpPort: 5204)
    .WithReference(identity)
    .WithReference(permissions)
    .WithReference(records)
    .WithReference(fabricGateway);

Console.WriteLine($"[apphost] development hospital-admin key (header x-admin-key for FabricGateway/EnrollDoctor): {system.DevelopmentAdminKey}");
await using var supervisor = system.Build();
await DashboardHost.RunAsync(supervisor, system.DashboardUrl, system.Stopping);

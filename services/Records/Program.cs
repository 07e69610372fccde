using HybridEhr.Messaging;
using HybridEhr.Records;
using HybridEhr.Records.Audit;
using HybridEhr.ServiceDefaults;

// Configuration lives next to the binary, whichever folder the service is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddServiceDefaults();
builder.AddRecordAuthentication();
builder.AddEventBus(bus => bus.AddConsumer<AuditTrailConsumer>());
builder.AddAuditTrail();
builder.AddRecordStorage();
builder.AddRecordDependencies();

var app = builder.Build();
app.MapGrpcService<RecordsService>();
app.MapDefaultEndpoints();
app.Run();

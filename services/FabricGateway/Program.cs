using HybridEhr.FabricGateway;
using HybridEhr.Messaging;
using HybridEhr.Security;
using HybridEhr.ServiceDefaults;

// Configuration lives next to the binary, whichever folder the service is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddServiceDefaults();
builder.AddAccessTokenAuthentication();
builder.AddEventBus();
builder.AddRecordsChain();

var app = builder.Build();
app.MapGrpcService<FabricGatewayService>();
app.MapDefaultEndpoints();
app.Run();

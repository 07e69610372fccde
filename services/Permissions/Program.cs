using HybridEhr.Messaging;
using HybridEhr.Permissions;
using HybridEhr.Permissions.Hosting;
using HybridEhr.Security;
using HybridEhr.ServiceDefaults;

// Configuration lives next to the binary, whichever folder the service is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddServiceDefaults();
builder.AddAccessTokenAuthentication();
builder.AddEventBus();
builder.AddPermissions();

var app = builder.Build();
app.MapGrpcService<PermissionsService>();
app.MapDefaultEndpoints();
app.Run();

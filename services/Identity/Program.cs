using HybridEhr.Identity;
using HybridEhr.Identity.Hosting;
using HybridEhr.ServiceDefaults;

// Configuration lives next to the binary, whichever folder the service is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddServiceDefaults();
builder.AddIdentityStorage();
builder.AddIdentityTokens();
builder.AddIdentityChains();
builder.AddIdentityEvents();
builder.AddIdentityAccounts();

var app = builder.Build();
app.MapGrpcService<IdentityService>();
app.MapSigningKeySet();
app.MapDefaultEndpoints();
app.Run();

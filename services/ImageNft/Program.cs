using HybridEhr.ImageNft;
using HybridEhr.ImageNft.Hosting;
using HybridEhr.Messaging;
using HybridEhr.Security;
using HybridEhr.ServiceDefaults;

// Configuration lives next to the binary, whichever folder the service is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddServiceDefaults();
builder.AddAccessTokenAuthentication();
builder.AddEventBus();
builder.AddImageNft();

var app = builder.Build();
app.MapGrpcService<ImageNftService>();
app.MapDefaultEndpoints();
app.Run();

using HybridEhr.ImageNft;
using HybridEhr.Grpc.Server;
using HybridEhr.ServiceDefaults;

// Configuration lives next to the binary, whichever folder the service is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddServiceDefaults();

var app = builder.Build();
app.MapGrpcService<ImageNftService>();
app.MapDefaultEndpoints();
app.Run();

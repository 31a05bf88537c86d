using MadBase.Gateway;
using MadBase.Gateway.CoLocation;
using MadBase.Gateway.Cors;
using MadBase.Gateway.RateLimiting;
using MadBase.Gateway.RecentRequests;
using MadBase.Gateway.Routing;
using MadBase.ServiceDefaults.Health;

HealthProbe.RunIfRequested(args);

var builder = WebApplication.CreateBuilder(args);
builder.UseInlineSocketCompletions();
builder.AddServiceDefaults();
builder.AddGatewayServices();
builder.AddLocalWorker();

var app = builder.Build();
app.UseServiceDefaults();
app.UseRecentRequests();
app.UseGatewayCors();
app.UseGatewayRateLimits();
app.UseLocalWorker();
app.MapDefaultEndpoints();
app.MapRecentRequestsApi();
app.MapLocalWorkerApis();
app.MapGatewayProxy();
app.MapGatewayFallback();
app.Run();

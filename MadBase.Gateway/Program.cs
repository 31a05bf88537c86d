using MadBase.Gateway;
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

var app = builder.Build();
app.UseServiceDefaults();
app.UseRecentRequests();
app.UseGatewayCors();
app.UseGatewayRateLimits();
app.MapDefaultEndpoints();
app.MapRecentRequestsApi();
app.MapGatewayProxy();
app.MapGatewayFallback();
app.Run();

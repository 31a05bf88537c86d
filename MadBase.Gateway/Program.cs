using MadBase.Gateway;
using MadBase.Gateway.Cors;
using MadBase.Gateway.RateLimiting;
using MadBase.Gateway.Routing;
using MadBase.ServiceDefaults.Health;

HealthProbe.RunIfRequested(args);

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddGatewayServices();

var app = builder.Build();
app.UseServiceDefaults();
app.UseGatewayCors();
app.UseGatewayRateLimits();
app.MapDefaultEndpoints();
app.MapGatewayProxy();
app.MapGatewayFallback();
app.Run();

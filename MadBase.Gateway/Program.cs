using MadBase.Gateway;
using MadBase.Gateway.Cors;
using MadBase.Gateway.Limits;
using MadBase.Gateway.RateLimiting;
using MadBase.Gateway.Routing;
using MadBase.ServiceDefaults.Health;

HealthProbe.RunIfRequested(args);

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddGatewayOptions();
builder.Services.AddRequestBodyLimit();
builder.Services.AddGatewayCors();
builder.Services.AddGatewayRateLimits();
builder.Services.AddGatewayProxy();

var app = builder.Build();
app.UseServiceDefaults();
app.UseGatewayCors();
app.UseGatewayRateLimits();
app.MapDefaultEndpoints();
app.MapGatewayProxy();
app.MapGatewayFallback();
app.Run();

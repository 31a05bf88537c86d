using Yarp.ReverseProxy.Configuration;

// Usage: dotnet yarp-floor.dll <destination url> --urls <listen url>. Run with the runtime settings the gateway has
// (bench/gateway.sh sets them), so that the difference to the gateway is what the gateway does per request.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.ClearProviders();
builder.Services.AddReverseProxy().LoadFromMemory(
    [new RouteConfig { RouteId = "all", ClusterId = "worker", Match = new RouteMatch { Path = "{**rest}" } }],
    [new ClusterConfig
    {
        ClusterId = "worker",
        Destinations = new Dictionary<string, DestinationConfig> { ["worker"] = new() { Address = args[0] } },
    }]);
var app = builder.Build();
app.MapReverseProxy();
app.Run();

using MadBase.Gateway.Cors;
using MadBase.Gateway.Limits;
using MadBase.Gateway.RateLimiting;
using MadBase.Gateway.Routing;

namespace MadBase.Gateway;

internal static class GatewayServices
{
    /// <summary>The gateway's settings, then what reads them: body size limit, CORS, rate limits and the proxy.</summary>
    public static IHostApplicationBuilder AddGatewayServices(this IHostApplicationBuilder builder)
    {
        builder.AddGatewayOptions();
        builder.AddRequestBodyLimit();
        builder.AddGatewayCors();
        builder.AddGatewayRateLimits();
        builder.AddGatewayProxy();
        return builder;
    }
}

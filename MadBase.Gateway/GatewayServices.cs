using MadBase.Gateway.Cors;
using MadBase.Gateway.Limits;
using MadBase.Gateway.RateLimiting;
using MadBase.Gateway.RecentRequests;
using MadBase.Gateway.Routing;

namespace MadBase.Gateway;

internal static class GatewayServices
{
    /// <summary>The gateway's settings, then what reads them: body size limit, CORS, rate limits, the proxy and the recent-requests log.</summary>
    public static IHostApplicationBuilder AddGatewayServices(this IHostApplicationBuilder builder)
    {
        builder.AddGatewayOptions();
        builder.AddRequestBodyLimit();
        builder.AddGatewayCors();
        builder.AddGatewayRateLimits();
        builder.AddGatewayProxy();
        builder.AddRecentRequests();
        return builder;
    }
}

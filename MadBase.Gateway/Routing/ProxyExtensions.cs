using MadBase.Gateway.ApiKeys;
using MadBase.Gateway.Limits;
using MadBase.Gateway.Upstreams;
using MadBase.ServiceDefaults.Errors;
using MadBase.ServiceDefaults.Metrics;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;

namespace MadBase.Gateway.Routing;

internal static class ProxyExtensions
{
    /// <summary>
    /// YARP with our config provider. YARP keeps one HttpMessageInvoker (one connection pool) per cluster
    /// for the life of the process, replaced only if the cluster's HttpClient config changes, which ours never does.
    /// </summary>
    public static IHostApplicationBuilder AddGatewayProxy(this IHostApplicationBuilder builder)
    {
        builder.Services.AddReverseProxy();
        builder.Services.AddSingleton<IPassiveHealthCheckPolicy, DestinationFailureRatePolicy>();
        builder.Services.AddSingleton<ProjectsInFlight>();
        builder.Services.AddSingleton<ILoadBalancingPolicy, ProjectAffinityPolicy>();
        builder.Services.AddHostedService<UpstreamMetrics>();
        // The gateway's port is the public API: /metrics only on Metrics__Port (ServiceDefaults/Metrics).
        builder.Services.PostConfigure<MetricsOptions>(o => o.ServicePortIsPublic = true);
        builder.Services.AddSingleton<IProxyConfigProvider>(sp => ProxyConfig.Create(
            sp.GetRequiredService<IOptions<UpstreamOptions>>().Value,
            sp.GetRequiredService<IOptions<GatewayOptions>>().Value));
        return builder;
    }

    /// <summary>The proxy pipeline: errors as JSON, headers it can forward, size limit, API key and project, then YARP's own steps.</summary>
    public static WebApplication MapGatewayProxy(this WebApplication app)
    {
        app.MapReverseProxy(proxy =>
        {
            proxy.UseMiddleware<UpstreamErrorMiddleware>();
            proxy.UseMiddleware<ForwardableHeadersMiddleware>();
            proxy.UseMiddleware<RequestBodyLimitMiddleware>();
            proxy.UseMiddleware<ApiKeyMiddleware>();
            proxy.UseMiddleware<ProjectsInFlightMiddleware>();
            proxy.UseMiddleware<ConnectRetryMiddleware>();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        return app;
    }

    /// <summary>Anything no route claims gets the JSON shape too, instead of an empty 404.</summary>
    public static WebApplication MapGatewayFallback(this WebApplication app)
    {
        app.MapFallback("{**path}", () => ErrorResponse.Result(StatusCodes.Status404NotFound, "no route matched"));
        return app;
    }
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MadBase.ServiceDefaults.Metrics;

/// <summary>
/// Serves the OpenTelemetry Prometheus exporter's <c>/metrics</c> where <see cref="MetricsOptions"/> says. The metrics
/// port answers nothing else (a 404), so the gateway's API is never reachable there either.
/// </summary>
internal static class MetricsEndpoint
{
    public static void Use(WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value;
        if (options.Port is { } port)
        {
            app.MapWhen(context => context.Connection.LocalPort == port, metricsPort =>
            {
                metricsPort.UseOpenTelemetryPrometheusScrapingEndpoint();
                metricsPort.Run(context =>
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
                });
            });
        }
        else if (!options.ServicePortIsPublic)
        {
            app.UseOpenTelemetryPrometheusScrapingEndpoint();
        }
    }
}

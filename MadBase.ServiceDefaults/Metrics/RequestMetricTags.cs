using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace MadBase.ServiceDefaults.Metrics;

/// <summary>
/// Shapes ASP.NET Core's own request metrics: probes and scrapes are left out (the gateway probes every worker
/// every second; they would outnumber the requests), and each request gets <c>http.response.status_class</c>
/// (<c>2xx</c> … <c>5xx</c>), which the alert rules and dashboards group by.
/// </summary>
internal sealed class RequestMetricTags(RequestDelegate next)
{
    public const string StatusClassTag = "http.response.status_class";

    public async Task InvokeAsync(HttpContext context)
    {
        var metrics = context.Features.Get<IHttpMetricsTagsFeature>();
        if (metrics is null)
        {
            await next(context);
            return;
        }

        if (IsUnmeasured(context.Request.Path))
        {
            metrics.MetricsDisabled = true;
            await next(context);
            return;
        }

        try
        {
            await next(context);
            metrics.Tags.Add(new(StatusClassTag, StatusClass(context.Response.StatusCode)));
        }
        catch
        {
            // Escaping here, the server answers 500 (or drops a response already started).
            metrics.Tags.Add(new(StatusClassTag, "5xx"));
            throw;
        }
    }

    internal static string StatusClass(int status) => (status / 100) switch
    {
        1 => "1xx",
        2 => "2xx",
        3 => "3xx",
        4 => "4xx",
        5 => "5xx",
        _ => "other",
    };

    private static bool IsUnmeasured(PathString path) =>
        path.StartsWithSegments(ServiceDefaultsExtensions.HealthPath)
        || path.StartsWithSegments(ServiceDefaultsExtensions.AlivePath)
        || path.StartsWithSegments(MetricsOptions.Path);
}

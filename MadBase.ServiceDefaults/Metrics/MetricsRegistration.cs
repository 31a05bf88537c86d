using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MadBase.ServiceDefaults.Metrics;

internal static class MetricsRegistration
{
    /// <summary><see cref="MetricsOptions"/> from the <c>Metrics</c> section, and Kestrel listening on its port if one is given.</summary>
    public static IHostApplicationBuilder AddMetricsDefaults(this IHostApplicationBuilder builder)
    {
        MetricsListener.AddMetricsPort(builder);
        builder.Services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section);
        return builder;
    }
}

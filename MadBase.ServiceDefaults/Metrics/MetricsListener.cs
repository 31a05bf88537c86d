using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace MadBase.ServiceDefaults.Metrics;

/// <summary>
/// Adds <c>Metrics__Port</c> to the addresses Kestrel binds. Kestrel takes one list (<c>urls</c>, else
/// <c>http_ports</c>): an explicit <c>Listen</c> call would make it drop the URLs the AppHost, the CLI or the
/// image give, so the list is extended instead.
/// </summary>
internal static class MetricsListener
{
    private const string DefaultUrl = "http://localhost:5000";

    public static void AddMetricsPort(IHostApplicationBuilder builder)
    {
        var port = builder.Configuration.GetValue<int?>($"{MetricsOptions.Section}:{nameof(MetricsOptions.Port)}");
        if (port is not { } metricsPort)
        {
            return;
        }

        var urls = ServiceUrls(builder.Configuration);
        builder.Configuration[WebHostDefaults.ServerUrlsKey] = string.Join(';', [.. urls, MetricsUrl(urls[0], metricsPort)]);
    }

    internal static string[] ServiceUrls(IConfiguration configuration)
    {
        var urls = configuration[WebHostDefaults.ServerUrlsKey];
        if (!string.IsNullOrWhiteSpace(urls))
        {
            return urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        var ports = configuration[WebHostDefaults.HttpPortsKey];
        if (!string.IsNullOrWhiteSpace(ports))
        {
            return [.. ports.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"http://*:{p}")];
        }

        return [DefaultUrl];
    }

    /// <summary>The service's host (loopback for the CLI's stack, every address in a container) with the metrics port.</summary>
    internal static string MetricsUrl(string serviceUrl, int port)
    {
        var schemeEnd = serviceUrl.IndexOf("://", StringComparison.Ordinal);
        var rest = serviceUrl[(schemeEnd + 3)..];
        var hostEnd = rest.StartsWith('[') ? rest.IndexOf(']', StringComparison.Ordinal) + 1 : rest.IndexOfAny([':', '/']);
        var host = hostEnd < 0 ? rest : rest[..hostEnd];
        return $"http://{host}:{port}";
    }
}

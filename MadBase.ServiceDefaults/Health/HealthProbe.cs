using System.Net;
using MadBase.ServiceDefaults.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MadBase.ServiceDefaults.Health;

/// <summary>
/// <c>&lt;service&gt; --health-probe [/path]</c>: asks the service running beside it (same configuration, so the same
/// port: <c>ASPNETCORE_HTTP_PORTS</c> in the image, <c>--urls</c> elsewhere) for <c>/health</c> and exits 0 on a 200,
/// 1 otherwise. The runtime image has no shell, curl or wget, so its HEALTHCHECK runs the service's own binary in
/// this mode; it starts no host and opens no database connection.
/// </summary>
public static class HealthProbe
{
    public const string Argument = "--health-probe";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    /// <summary>The first line of every service's Program.cs: returns at once unless the probe was asked for.</summary>
    public static void RunIfRequested(string[] args)
    {
        var at = Array.IndexOf(args, Argument);
        if (at < 0)
        {
            return;
        }

        var path = at + 1 < args.Length && args[at + 1].StartsWith('/') ? args[at + 1] : ServiceDefaultsExtensions.HealthPath;
        var rest = args.Where((_, i) => i != at && !(i == at + 1 && args[i] == path)).ToArray();
        var configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables("ASPNETCORE_")
            .AddCommandLine(rest)
            .Build();
        Environment.Exit(ProbeAsync(ProbeUrl(configuration, path)).GetAwaiter().GetResult());
    }

    internal static Uri ProbeUrl(IConfiguration configuration, string path)
    {
        var service = new Uri(MetricsListener.ServiceUrls(configuration)[0].Replace("://*", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://+", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal));
        return new Uri(service, path);
    }

    private static async Task<int> ProbeAsync(Uri url)
    {
        using var client = new HttpClient { Timeout = Timeout };
        try
        {
            using var response = await client.GetAsync(url);
            await Console.Out.WriteLineAsync($"{url}: {(int)response.StatusCode}");
            return response.StatusCode == HttpStatusCode.OK ? 0 : 1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            await Console.Out.WriteLineAsync($"{url}: {e.Message}");
            return 1;
        }
    }
}

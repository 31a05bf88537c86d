using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MadBase.Control.Studio.Health;

/// <summary>One service's readiness as Studio shows it: its <c>/health</c> status (or why it has none) and how long it took.</summary>
internal sealed record ServiceHealth(string Name, string Url, string Status, double DurationMs);

/// <summary>
/// <c>GET /studio/api/health</c>: Control's own health checks, then the <c>/health</c> of the gateway and of each
/// worker (<see cref="StudioUpstreams"/>), asked at once and each given up on after <see cref="Timeout"/>.
/// </summary>
internal static class ServiceHealthApi
{
    public const string ClientName = "studio-health";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public static IHostApplicationBuilder AddServiceHealth(this IHostApplicationBuilder builder)
    {
        // One try each: a retry would only make a sick service look slow instead of sick.
        builder.Services.AddDirectHttpClient(ClientName, Timeout);
        return builder;
    }

    public static RouteGroupBuilder MapServiceHealthApi(this RouteGroupBuilder api)
    {
        api.MapGet("/health", ListAsync);
        return api;
    }

    private static async Task<IResult> ListAsync(
        HttpRequest request, HealthCheckService control, StudioUpstreams upstreams, IHttpClientFactory clients, CancellationToken cancellationToken)
    {
        var client = clients.CreateClient(ClientName);
        List<(string Name, Uri Url)> services = upstreams.Gateway is { } gateway ? [("gateway", gateway)] : [];
        services.AddRange(upstreams.Workers);
        var clock = Stopwatch.StartNew();
        var own = await control.CheckHealthAsync(cancellationToken);
        var self = new ServiceHealth("control", $"{request.Scheme}://{request.Host}", own.Status.ToString(), Math.Round(clock.Elapsed.TotalMilliseconds, 1));
        var others = await Task.WhenAll(services.Select(s => ProbeAsync(client, s.Name, s.Url, cancellationToken)));
        return TypedResults.Ok(new { Services = (ServiceHealth[])[self, .. others] });
    }

    private static async Task<ServiceHealth> ProbeAsync(HttpClient client, string name, Uri url, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        string status;
        try
        {
            using var response = await client.GetAsync(new Uri(url, "/health"), cancellationToken);
            using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            status = body.RootElement.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String
                ? s.GetString()!
                : $"HTTP {(int)response.StatusCode}";
        }
        catch (Exception e) when (e is HttpRequestException or JsonException
                                  || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            status = "Unreachable";
        }

        return new ServiceHealth(name, url.ToString().TrimEnd('/'), status, Math.Round(clock.Elapsed.TotalMilliseconds, 1));
    }
}

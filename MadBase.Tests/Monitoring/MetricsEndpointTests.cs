using System.Net;
using System.Text.RegularExpressions;
using MadBase.Tests.Infrastructure;
using MadBase.Tests.Stack;

namespace MadBase.Tests.Monitoring;

/// <summary>
/// /metrics on every service of a running stack: the workers' and Control's on their own ports, the gateway's only
/// on its metrics port — never on the public API port, whatever Host header or path a client sends.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class MetricsEndpointTests(StackFixture stack)
{
    [Fact]
    public async Task Metrics_EveryService_ServesPrometheusText()
    {
        // One request through the gateway, so the request histograms have a series with the project label: the ref, or
        // "other" once this process has named its cap of projects (the shared stack has made many by now; the cap has a
        // test of its own, RequestProjectTests).
        using (var request = TestHttp.WithKey(HttpMethod.Get, stack.ApiUrl + "/rest/v1/", stack.AnonKey))
        using (var response = await TestHttp.Client.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // The request is recorded as it ends, which may be a moment after the client has the response, and the exporter
        // caches a scrape for 300 ms: scrape until it shows (or 5 s pass).
        var requestSeries = new Regex("http_server_request_duration_seconds_count\\{[^}]*http_response_status_class=\"2xx\"[^}]*http_route=\"/rest/v1/\\{\\*\\*rest\\}\"[^}]*madbase_project=\"(default|other)\"");
        var gateway = await ScrapeAsync(stack.GatewayMetricsUrl);
        for (var i = 0; i < 10 && !requestSeries.IsMatch(gateway); i++)
        {
            await Task.Delay(500);
            gateway = await ScrapeAsync(stack.GatewayMetricsUrl);
        }

        Assert.Matches(requestSeries, gateway);
        Assert.Contains("madbase_gateway_upstream_in_rotation{", gateway, StringComparison.Ordinal);

        foreach (var worker in stack.Stack.WorkerUrls)
        {
            var text = await ScrapeAsync(worker + "/metrics");
            Assert.Contains("madbase_dependency_up{", text, StringComparison.Ordinal);
            Assert.Contains("db_client_connection_count{", text, StringComparison.Ordinal);
            Assert.Contains("dotnet_gc_collections_total{", text, StringComparison.Ordinal);
        }

        var control = await ScrapeAsync(stack.Stack.ControlUrl + "/metrics");
        Assert.Matches("madbase_dependency_up\\{[^}]*dependency=\"postgres\"", control);
    }

    [Theory]
    [InlineData("/metrics", null)]
    [InlineData("/metrics", "metrics-port")]
    [InlineData("/auth/v1/..%2F..%2Fmetrics", null)]
    [InlineData("/rest/v1/%2E%2E/%2E%2E/metrics", null)]
    public async Task Metrics_ThroughTheApiPort_AreNeverServed(string path, string? host)
    {
        using var request = TestHttp.WithKey(HttpMethod.Get, stack.ApiUrl + path, stack.AnonKey);
        if (host is not null)
        {
            // A forged Host naming the metrics port: the decision is the socket's local port, not this header.
            request.Headers.Host = new Uri(stack.GatewayMetricsUrl).Authority;
        }

        using var response = await TestHttp.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("# TYPE", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetricsPort_ServesNothingButMetrics()
    {
        using var request = TestHttp.WithKey(HttpMethod.Get, stack.GatewayMetricsUrl.Replace("/metrics", "/rest/v1/", StringComparison.Ordinal), stack.AnonKey);
        using var response = await TestHttp.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private static async Task<string> ScrapeAsync(string url)
    {
        using var response = await TestHttp.Client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", text, StringComparison.Ordinal);
        Assert.Contains("target_info{", text, StringComparison.Ordinal);
        return text;
    }
}

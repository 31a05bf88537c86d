using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MadBase.Cli;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Monitoring;

/// <summary>
/// A real Prometheus (Debian's) on a free loopback port, scraping a running stack every second and evaluating
/// deploy/monitoring's alert rules every second, with the compose config's job names.
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private readonly TempDirectory directory;
    private readonly ChildProcess process;

    private PrometheusServer(TempDirectory directory, ChildProcess process, string url)
    {
        this.directory = directory;
        this.process = process;
        Url = url;
    }

    public string Url { get; }

    /// <summary><paramref name="jobs"/>: job name → host:port targets.</summary>
    public static async Task<PrometheusServer> StartAsync(IReadOnlyDictionary<string, string[]> jobs)
    {
        var directory = TempDirectory.Create("mbprom");
        var config = directory.Combine("prometheus.yml");
        var scrapeConfigs = string.Concat(jobs.Select(job =>
            $"  - job_name: {job.Key}\n    static_configs:\n      - targets: [{string.Join(", ", job.Value.Select(t => $"\"{t}\""))}]\n"));
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files:
              - "{MonitoringFiles.AlertRules}"
            scrape_configs:
            {scrapeConfigs}
            """);

        var port = FreePorts.Take();
        var url = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        var start = ProcessLaunch.Create(
            MonitoringFiles.Binary("prometheus"),
            [$"--config.file={config}", $"--storage.tsdb.path={directory.Combine("data")}", $"--web.listen-address=127.0.0.1:{port}"],
            account: null,
            directory.FullPath);
        var process = ChildProcess.Start("prometheus", start, directory.Combine("prometheus.log"), 15, TimeSpan.FromSeconds(10));
        var server = new PrometheusServer(directory, process, url);
        var ready = Stopwatch.StartNew();
        while (!await server.IsReadyAsync())
        {
            if (process.HasExited || ready.Elapsed > TimeSpan.FromSeconds(30))
            {
                var failure = process.DescribeFailure("Prometheus did not become ready");
                await server.DisposeAsync();
                throw new InvalidOperationException(failure);
            }

            await Task.Delay(200);
        }

        return server;
    }

    /// <summary>An instant query's result vector (an empty one when the query has no data).</summary>
    public async Task<JsonElement> QueryAsync(string query)
    {
        using var response = await Http.GetAsync($"{Url}/api/v1/query?query={Uri.EscapeDataString(query)}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"Prometheus refused {query}: {body}");
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("data").GetProperty("result").Clone();
    }

    /// <summary>The alerts Prometheus holds now (pending or firing).</summary>
    public async Task<JsonElement> AlertsAsync()
    {
        using var response = await Http.GetAsync($"{Url}/api/v1/alerts");
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("data").GetProperty("alerts").Clone();
    }

    public async ValueTask DisposeAsync()
    {
        await process.StopAsync();
        directory.Dispose();
    }

    private async Task<bool> IsReadyAsync()
    {
        try
        {
            using var response = await Http.GetAsync($"{Url}/-/ready");
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}

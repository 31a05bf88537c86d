using System.Diagnostics;
using MadBase.Cli;

namespace MadBase.Tests.Monitoring;

/// <summary>
/// The compose deployment's Prometheus config and alert rules, checked by promtool itself; the rules' unit tests
/// (deploy/monitoring/prometheus/alerts.test.yml) make each alert fire and stay silent on synthetic series.
/// </summary>
public sealed class PromtoolTests
{
    [Fact]
    public async Task CheckConfig_ComposeScrapeConfig_IsValid()
    {
        var output = await PromtoolAsync("check", "config", MonitoringFiles.PrometheusConfig);
        Assert.Contains("1 rule files found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckRules_AlertRules_AreValid()
    {
        var output = await PromtoolAsync("check", "rules", MonitoringFiles.AlertRules);
        Assert.Contains("SUCCESS: 5 rules found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestRules_EachAlert_FiresAndStaysSilentAsItsUnitTestsSay()
    {
        var output = await PromtoolAsync("test", "rules", MonitoringFiles.AlertRuleTests);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    /// <summary>Runs promtool; a non-zero exit (a rule it rejects, a unit test that fails) fails the test with its output.</summary>
    private static async Task<string> PromtoolAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(MonitoringFiles.Binary("promtool")) { WorkingDirectory = Path.GetDirectoryName(MonitoringFiles.AlertRules)! };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var (exitCode, output) = await ProcessLaunch.RunToCompletionAsync("promtool", start, TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.True(exitCode == 0, $"promtool {string.Join(' ', arguments)} exited {exitCode}:\n{output}");
        return output;
    }
}

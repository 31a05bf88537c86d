using MadBase.Cli;

namespace MadBase.Tests.Monitoring;

/// <summary>deploy/monitoring's files, and the Prometheus binaries that check and run them (Debian's `prometheus`).</summary>
internal static class MonitoringFiles
{
    public static string Directory => Path.Combine(
        ServiceBinaries.BuiltFromRepositoryRoot ?? throw new InvalidOperationException("The CLI was built without its repository root."),
        "deploy", "monitoring");

    public static string PrometheusConfig => Path.Combine(Directory, "prometheus", "prometheus.yml");

    public static string AlertRules => Path.Combine(Directory, "prometheus", "alerts.yml");

    public static string AlertRuleTests => Path.Combine(Directory, "prometheus", "alerts.test.yml");

    public static string Dashboard => Path.Combine(Directory, "grafana", "dashboards", "madbase.json");

    /// <summary>A program of the `prometheus` package; .ci/run installs it, and a machine without it fails here, named.</summary>
    public static string Binary(string program) => ProcessLaunch.FindOnPath(program)
        ?? throw new InvalidOperationException($"{program} not found on PATH: apt-get install -y prometheus (.ci/run does).");
}

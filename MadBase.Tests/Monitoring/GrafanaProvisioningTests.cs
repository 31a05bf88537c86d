using System.Text.Json;
using YamlDotNet.Serialization;

namespace MadBase.Tests.Monitoring;

/// <summary>
/// Grafana does not run here, so its provisioning is held together by reading it: every panel asks the data source
/// the provisioning defines, and the dashboards folder the provider reads is where the compose file mounts them.
/// (What the panels' queries return is PrometheusStackTests' job.)
/// </summary>
public sealed class GrafanaProvisioningTests
{
    [Fact]
    public void Dashboard_EveryPanel_UsesTheProvisionedPrometheus()
    {
        var datasources = Yaml(Path.Combine(MonitoringFiles.Directory, "grafana", "provisioning", "datasources", "prometheus.yml"));
        var source = Assert.Single((List<object>)datasources["datasources"]);
        var uid = (string)((Dictionary<object, object>)source)["uid"];

        using var dashboard = JsonDocument.Parse(File.ReadAllText(MonitoringFiles.Dashboard));
        var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray().Where(p => p.GetProperty("type").GetString() != "row").ToList();
        Assert.NotEmpty(panels);
        Assert.All(panels, panel =>
        {
            Assert.Equal(uid, panel.GetProperty("datasource").GetProperty("uid").GetString());
            Assert.All(panel.GetProperty("targets").EnumerateArray(), target => Assert.Equal(uid, target.GetProperty("datasource").GetProperty("uid").GetString()));
        });
    }

    [Fact]
    public void DashboardProvider_ReadsTheFolderComposeMounts()
    {
        var providers = Yaml(Path.Combine(MonitoringFiles.Directory, "grafana", "provisioning", "dashboards", "madbase.yml"));
        var provider = (Dictionary<object, object>)Assert.Single((List<object>)providers["providers"]);
        var path = (string)((Dictionary<object, object>)provider["options"])["path"];

        var compose = File.ReadAllText(Path.Combine(MonitoringFiles.Directory, "..", "docker-compose.yml"));
        Assert.Contains($"./monitoring/grafana/dashboards:{path}:ro", compose, StringComparison.Ordinal);
        Assert.Contains("./monitoring/grafana/provisioning:/etc/grafana/provisioning:ro", compose, StringComparison.Ordinal);
        Assert.Contains("./monitoring/prometheus:/etc/prometheus:ro", compose, StringComparison.Ordinal);
    }

    private static Dictionary<string, object> Yaml(string file) =>
        new DeserializerBuilder().Build().Deserialize<Dictionary<string, object>>(File.ReadAllText(file));
}

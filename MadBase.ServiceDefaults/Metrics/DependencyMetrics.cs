using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MadBase.ServiceDefaults.Metrics;

/// <summary>
/// <c>madbase.dependency.up{dependency}</c>: 1 while a readiness check (<c>postgres</c>, <c>redis</c>, and what a
/// service adds) is Healthy, 0 while it is Degraded or Unhealthy — Redis down is Degraded, since every request is
/// still served. Fed by the health-check publisher every <see cref="Period"/>, so the "unreachable" alert does not
/// depend on anyone calling /health.
/// </summary>
internal sealed class DependencyMetrics : IHealthCheckPublisher, IDisposable
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, int> up = new(StringComparer.Ordinal);
    private readonly Meter meter;

    public DependencyMetrics(IMeterFactory meters)
    {
        meter = meters.Create(MadBaseMeters.ServiceDefaults);
        meter.CreateObservableGauge(
            "madbase.dependency.up",
            () => up.Select(e => new Measurement<int>(e.Value, new KeyValuePair<string, object?>("dependency", e.Key))),
            description: "1 while the service reaches the dependency, 0 while it does not");
    }

    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        foreach (var (name, entry) in report.Entries)
        {
            up[name] = entry.Status == HealthStatus.Healthy ? 1 : 0;
        }

        return Task.CompletedTask;
    }

    public void Dispose() => meter.Dispose();
}

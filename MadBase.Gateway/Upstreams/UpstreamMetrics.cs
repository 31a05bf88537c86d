using System.Diagnostics.Metrics;
using MadBase.ServiceDefaults.Metrics;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace MadBase.Gateway.Upstreams;

/// <summary>
/// <c>madbase.gateway.upstream.in_rotation{cluster, destination}</c>: 1 while the gateway sends requests to the
/// destination, 0 while its active (<c>/health</c>) or passive (failure rate) check has it out. Read from YARP's
/// own state at each collection, so it cannot disagree with the load balancer. A hosted service only so that the
/// host creates it at start and the gauge is there from the first scrape on.
/// </summary>
internal sealed class UpstreamMetrics : IHostedService, IDisposable
{
    private readonly Meter meter;

    public UpstreamMetrics(IMeterFactory meters, IProxyStateLookup proxy)
    {
        meter = meters.Create(MadBaseMeters.Gateway);
        meter.CreateObservableGauge(
            "madbase.gateway.upstream.in_rotation",
            () => proxy.GetClusters().SelectMany(cluster => cluster.Destinations.Values.Select(destination => Measure(cluster, destination))),
            description: "1 while the destination is in the gateway's rotation, 0 while a health check keeps it out");
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => meter.Dispose();

    private static Measurement<int> Measure(ClusterState cluster, DestinationState destination) =>
        new(
            destination.Health.Active == DestinationHealth.Unhealthy || destination.Health.Passive == DestinationHealth.Unhealthy ? 0 : 1,
            new KeyValuePair<string, object?>("cluster", cluster.ClusterId),
            new KeyValuePair<string, object?>("destination", destination.DestinationId));
}

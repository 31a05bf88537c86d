using System.Runtime.CompilerServices;
using MadBase.Gateway.Routing;
using MadBase.ServiceDefaults.Logging;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace MadBase.Gateway.Upstreams;

/// <summary>
/// The passive health check: YARP's TransportFailureRate rule (a destination whose failed share of the
/// requests of the last <see cref="ProxyConfig.PassiveWindow"/> reaches 30 %, once 10 were seen, is out until
/// the reactivation period ends), with failures as <see cref="ForwarderFailures.IsDestinationFault"/> sees
/// them. YARP's policy counted a request HttpClient refused to send (a header value it cannot encode) as the
/// destination's failure, so a burst of such requests, no API key needed, took every worker out for every
/// project. Requests that failed through the client's fault are not counted at all, neither way.
/// </summary>
internal sealed partial class DestinationFailureRatePolicy(
    IDestinationHealthUpdater healthUpdater, TimeProvider time, ILogger<DestinationFailureRatePolicy> logger) : IPassiveHealthCheckPolicy
{
    public const string PolicyName = "DestinationFailureRate";

    /// <summary>YARP's defaults for TransportFailureRate.</summary>
    internal const double FailureRateLimit = 0.3;
    internal const int MinimumRequests = 10;

    private readonly ConditionalWeakTable<DestinationState, FailureRateWindow> windows = [];

    public string Name => PolicyName;

    public void RequestProxied(HttpContext context, ClusterState cluster, DestinationState destination)
    {
        var error = context.Features.Get<IForwarderErrorFeature>();
        var failed = ForwarderFailures.IsDestinationFault(context, error);
        if (error is not null && !failed)
        {
            return;
        }

        var window = windows.GetValue(destination, static _ => new FailureRateWindow(ProxyConfig.PassiveWindow, MinimumRequests));
        var rate = window.Add(time.GetTimestamp() / time.TimestampFrequency, failed);
        var health = rate < FailureRateLimit ? DestinationHealth.Healthy : DestinationHealth.Unhealthy;
        if (health == DestinationHealth.Unhealthy && destination.Health.Passive != DestinationHealth.Unhealthy)
        {
            LogTakenOut(logger, destination.DestinationId, rate * 100, error?.Error ?? ForwarderError.None);
        }

        var configured = cluster.Model.Config.HealthCheck?.Passive?.ReactivationPeriod ?? ProxyConfig.PassiveWindow;
        healthUpdater.SetPassive(cluster, destination, health, configured > ProxyConfig.PassiveWindow ? configured : ProxyConfig.PassiveWindow);
    }

    [LoggerMessage(EventId = EventIds.UpstreamTakenOutOfRotation, Level = LogLevel.Warning,
        Message = "Upstream {Destination} taken out of rotation: {FailedPercent:F0} % of its recent requests failed (last: {Error})")]
    private static partial void LogTakenOut(ILogger logger, string destination, double failedPercent, ForwarderError error);
}

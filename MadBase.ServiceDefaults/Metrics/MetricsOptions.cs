namespace MadBase.ServiceDefaults.Metrics;

/// <summary>
/// Where <c>/metrics</c> (Prometheus text format) is served. With <c>Metrics__Port</c> the service also listens on
/// that port and serves <c>/metrics</c> there only; without it, on the service's own port — unless that port faces
/// clients (the gateway's), where it is never served: the decision rests on the socket's local port, which no
/// header can change.
/// </summary>
public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    public const string Path = "/metrics";

    /// <summary>A port of its own for <c>/metrics</c>, bound on the same host as the service's first URL.</summary>
    public int? Port { get; set; }

    /// <summary>Set by the gateway: its service port is the public API, so <c>/metrics</c> needs <see cref="Port"/>.</summary>
    public bool ServicePortIsPublic { get; set; }
}

using MadBase.Gateway.Upstreams;
using MadBase.ServiceDefaults.Projects;
using MadBase.Worker;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;

namespace MadBase.Gateway.Routing;

/// <summary>
/// YARP's routes and clusters, built once at start from configuration: the worker list may be long and
/// comes from Aspire-style variables, which YARP's own configuration schema cannot read.
/// Clusters set no SessionAffinity: workers keep no per-client state (Redis and the database hold what they share).
/// </summary>
internal static class ProxyConfig
{
    public const string WorkersCluster = "workers";
    public const string ControlCluster = "control";

    /// <summary>Route metadata read by the API key middleware; <see cref="NoProject"/> skips key and project.</summary>
    public const string ApiKeyMetadata = "MadBase.ApiKey";
    public const string NoProject = "none";

    /// <summary>
    /// How far back the passive check counts failures, and how long a destination it took out stays out.
    /// YARP's 60 s would keep a restarted worker idle for a minute after it is healthy again.
    /// </summary>
    public static readonly TimeSpan PassiveWindow = TimeSpan.FromSeconds(10);

    /// <summary>Co-located, the worker's routes are this process's own endpoints (CoLocation/LocalWorker.cs), not YARP's.</summary>
    public static InMemoryConfigProvider Create(UpstreamOptions upstreams, GatewayOptions gateway)
    {
        var routes = new List<RouteConfig>();
        var clusters = new List<ClusterConfig>();
        if (!gateway.CoLocated)
        {
            routes.AddRange(WorkerPipeline.ServicePrefixes.Select(prefix => WorkerRoute(prefix)));
            clusters.Add(Cluster(WorkersCluster, upstreams.Workers, gateway));
        }

        if (upstreams.Control is { } control)
        {
            routes.Add(Route("admin", ControlCluster) with
            {
                Metadata = new Dictionary<string, string> { [ApiKeyMetadata] = NoProject },
            });
            // MadBase Studio, the dashboard: same origin only, so no CORS policy (its cookie is SameSite=Strict too).
            routes.Add(new RouteConfig
            {
                RouteId = "studio",
                ClusterId = ControlCluster,
                Match = new RouteMatch { Path = "/studio/{**rest}" },
                Metadata = new Dictionary<string, string> { [ApiKeyMetadata] = NoProject },
            });
            clusters.Add(Cluster(ControlCluster, [control], gateway));
        }

        return new InMemoryConfigProvider(routes, clusters);
    }

    /// <summary><c>/rest/v1/{**rest}</c> and the like, named for the service (<c>rest</c>).</summary>
    private static RouteConfig WorkerRoute(string prefix) => new()
    {
        RouteId = prefix.Split('/', StringSplitOptions.RemoveEmptyEntries)[0],
        ClusterId = WorkersCluster,
        // Edge Functions answer their own CORS (Cors/FunctionsCors.cs), so their route carries no policy.
        CorsPolicy = prefix == KeyOptionalRoutes.Functions ? null : "default",
        Match = new RouteMatch { Path = prefix + "/{**rest}" },
    };

    private static RouteConfig Route(string service, string cluster) => new()
    {
        RouteId = service,
        ClusterId = cluster,
        CorsPolicy = "default",
        Match = new RouteMatch { Path = $"/{service}/v1/{{**rest}}" },
    };

    private static ClusterConfig Cluster(string id, IReadOnlyList<UpstreamAddress> addresses, GatewayOptions gateway) => new()
    {
        ClusterId = id,
        LoadBalancingPolicy = ProjectAffinityPolicy.PolicyName,
        Destinations = addresses
            .Select((address, i) => (Id: $"{id}-{i}", Config: new DestinationConfig { Address = address.Url }))
            .ToDictionary(d => d.Id, d => d.Config),
        HealthCheck = new HealthCheckConfig
        {
            // YARP's default (HealthyOrPanic) sends to every destination when none is healthy, which turns
            // "all workers down" into slow 502s; this policy answers 503 at once instead.
            AvailableDestinationsPolicy = HealthCheckConstants.AvailableDestinations.HealthyAndUnknown,
            Active = new ActiveHealthCheckConfig
            {
                Enabled = true,
                Interval = TimeSpan.FromSeconds(gateway.HealthCheckIntervalSeconds),
                Timeout = TimeSpan.FromSeconds(2),
                Policy = HealthCheckConstants.ActivePolicy.ConsecutiveFailures,
                Path = "/health",
            },
            Passive = new PassiveHealthCheckConfig
            {
                Enabled = true,
                Policy = DestinationFailureRatePolicy.PolicyName,
                ReactivationPeriod = PassiveWindow,
            },
        },
        HttpRequest = new ForwarderRequestConfig
        {
            ActivityTimeout = TimeSpan.FromSeconds(gateway.UpstreamTimeoutSeconds),
        },
    };
}

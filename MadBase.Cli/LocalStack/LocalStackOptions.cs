using MadBase.Cli.Supervision;

namespace MadBase.Cli;

/// <summary>Everything `madbase start` and the test fixtures choose about a local stack.</summary>
internal sealed record LocalStackOptions
{
    public const int DefaultGatewayPort = 8000;
    public const int DefaultControlPort = 8001;
    public const int DefaultFirstWorkerPort = 8002;
    public const int DefaultPostgresPort = 54322;
    public const int DefaultRedisPort = 54379;
    /// <summary>The OpenTelemetry Prometheus exporter's customary port; `madbase start` serves the gateway's /metrics there.</summary>
    public const int DefaultGatewayMetricsPort = 9464;

    /// <summary>Holds the cluster (pg/), secrets.json, stack.env and logs/.</summary>
    public required string DataDirectory { get; init; }

    public int GatewayPort { get; init; } = DefaultGatewayPort;

    public int ControlPort { get; init; } = DefaultControlPort;

    /// <summary>
    /// The gateway's /metrics (its API port is public, so it has no /metrics there); none when null. The workers and
    /// Control serve /metrics on their own ports. Null unless asked: the test fixtures start stacks side by side.
    /// </summary>
    public int? GatewayMetricsPort { get; init; }

    /// <summary>
    /// The gateway serves the worker's APIs in its own process (Gateway__CoLocated): no worker processes and no
    /// proxy hop; <see cref="WorkerPorts"/> is then empty.
    /// </summary>
    public bool CoLocated { get; init; }

    /// <summary>One port per worker; the count of workers is their number.</summary>
    public IReadOnlyList<int> WorkerPorts { get; init; } = ConsecutivePorts(DefaultFirstWorkerPort, 2);

    public int PostgresPort { get; init; } = DefaultPostgresPort;

    public int RedisPort { get; init; } = DefaultRedisPort;

    /// <summary>Start Redis when redis-server is installed; without it caches fall back to their TTL.</summary>
    public bool UseRedis { get; init; } = true;

    /// <summary>Where the MadBase.*.dll service builds are found; see <see cref="ServiceBinaries"/>.</summary>
    public string? BinDirectory { get; init; } = Environment.GetEnvironmentVariable("MADBASE_BIN_DIR");

    public string? RepositoryRoot { get; init; } = ServiceBinaries.BuiltFromRepositoryRoot;

    public string Configuration { get; init; } = ServiceBinaries.BuiltConfiguration;

    public string PostgresBinDirectory { get; init; } = PostgresClusterOptions.DefaultBinDirectory;

    /// <summary>Handed to Control as Auth__JwtSecret; when null Control generates and keeps its own.</summary>
    public string? JwtSecret { get; init; } = Environment.GetEnvironmentVariable("MADBASE_JWT_SECRET");

    /// <summary>Added to every service's environment (tests shorten the gateway's health-check interval).</summary>
    public IReadOnlyDictionary<string, string> ExtraEnvironment { get; init; } = new Dictionary<string, string>();

    public TimeSpan HealthTimeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>How servers that exit on their own are restarted.</summary>
    public SupervisionOptions Supervision { get; init; } = new();

    /// <summary>See <see cref="PostgresClusterOptions.SkipFsync"/>.</summary>
    public bool SkipPostgresFsync { get; init; }

    public static IReadOnlyList<int> ConsecutivePorts(int first, int count)
    {
        return [.. Enumerable.Range(first, count)];
    }
}

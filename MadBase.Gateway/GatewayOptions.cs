namespace MadBase.Gateway;

/// <summary>The <c>Gateway</c> configuration section (env <c>Gateway__…</c>); checked at start by <see cref="GatewayOptionsValidator"/>.</summary>
internal sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>
    /// Co-located mode: this process also runs the worker and answers the worker's APIs itself, with no proxy hop
    /// (<see cref="CoLocation.LocalWorker"/>); off, the distributed mode proxies them to <c>services__worker__http__*</c>.
    /// </summary>
    public bool CoLocated { get; set; }

    /// <summary>How often each upstream's <c>/health</c> is probed.</summary>
    public int HealthCheckIntervalSeconds { get; set; } = 5;

    /// <summary>The project of key-optional requests (email links, public objects) that name none.</summary>
    public string DefaultProject { get; set; } = "default";

    /// <summary>Uploads go through the gateway, so the default allows storage-sized bodies (5 GiB).</summary>
    public long MaxRequestBodyBytes { get; set; } = 5L * 1024 * 1024 * 1024;

    /// <summary>
    /// Longest silence (no bytes either way) before a request fails with 504. It is also the idle timeout
    /// of proxied WebSockets, so it must stay above realtime's heartbeat interval (30 s).
    /// </summary>
    public int UpstreamTimeoutSeconds { get; set; } = 100;

    public CorsSettings Cors { get; set; } = new();

    public RateLimitSettings RateLimit { get; set; } = new();
}

internal sealed class CorsSettings
{
    /// <summary>Empty means any origin (<c>*</c>). Entries may use a wildcard subdomain: <c>https://*.example.com</c>.</summary>
    /// <remarks>Empty by default because the configuration binder appends to, not replaces, a pre-filled array.</remarks>
    public string[] AllowedOrigins { get; set; } = [];

    public int MaxAgeSeconds { get; set; } = 3600;
}

internal sealed class RateLimitSettings
{
    /// <summary>Sustained requests per second per client IP; 0 turns rate limiting off.</summary>
    public int PermitsPerSecond { get; set; } = 1000;

    /// <summary>Requests a client may send at once after being idle; twice the rate when unset.</summary>
    public int? Burst { get; set; }

    public int EffectiveBurst => Burst ?? (PermitsPerSecond * 2);
}

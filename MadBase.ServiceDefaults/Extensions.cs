using MadBase.ServiceDefaults.Database;
using MadBase.ServiceDefaults.Errors;
using MadBase.ServiceDefaults.Health;
using MadBase.ServiceDefaults.Http;
using MadBase.ServiceDefaults.Logging;
using MadBase.ServiceDefaults.Messaging;
using MadBase.ServiceDefaults.Metrics;
using MadBase.ServiceDefaults.Projects;
using MadBase.ServiceDefaults.RequestIds;
using MadBase.ServiceDefaults.Security;
using MadBase.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>What every MadBase service shares: logs, telemetry, health, request ids, errors, projects.</summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Health checks with this tag are part of readiness (<c>/health</c>); <c>/alive</c> runs none of them.</summary>
    public const string ReadyTag = "ready";

    /// <summary>Readiness: the system database and Redis (and what a service adds with <see cref="ReadyTag"/>).</summary>
    public const string HealthPath = "/health";

    /// <summary>Liveness only: answers while the process runs, whatever its dependencies do.</summary>
    public const string AlivePath = "/alive";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.AddLogDefaults();
        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            o.UseUtcTimestamp = true;
        });
        builder.AddOpenTelemetryDefaults();
        builder.AddMetricsDefaults();

        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));

        // Query strings as long as PostgREST's server takes (50 KiB of request line and headers): an in filter of
        // a few thousand ids, or hundreds of uuids, is a routine supabase-js call; Kestrel's default stops at 8 KiB.
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(o =>
        {
            o.Limits.MaxRequestLineSize = 64 * 1024;
            o.Limits.MaxRequestHeadersTotalSize = 64 * 1024;
        });
        builder.Services.AddHttpContextAccessor();
        builder.AddOutgoingHttp();
        builder.Services.AddSingleton(TimeProvider.System);

        builder.AddSystemDatabase();
        builder.AddRedisConnection();
        builder.Services.AddSingleton<JwtVerifier>();
        builder.Services.AddSingleton<ProjectDirectory>();
        builder.Services.AddHostedService<ProjectChangeSubscription>();
        builder.Services.AddHostedService<MadBase.ServiceDefaults.Lifetime.ParentProcessWatch>();

        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), ["live"])
            .AddCheck<SystemDatabaseHealthCheck>("postgres", tags: [ReadyTag])
            .AddCheck<RedisHealthCheck>("redis", tags: [ReadyTag]);
        builder.Services.AddSingleton<IHealthCheckPublisher, DependencyMetrics>();
        builder.Services.Configure<HealthCheckPublisherOptions>(o =>
        {
            o.Delay = TimeSpan.FromSeconds(1);
            o.Period = DependencyMetrics.Period;
            o.Predicate = c => c.Tags.Contains(ReadyTag);
        });
        return builder;
    }

    /// <summary>
    /// Request metric tags and /metrics first (a scrape needs nothing else), then request ids and the error contract,
    /// so everything after them has both.
    /// </summary>
    public static WebApplication UseServiceDefaults(this WebApplication app)
    {
        app.UseMiddleware<RequestMetricTags>();
        MetricsEndpoint.Use(app);
        app.UseMiddleware<RequestIdMiddleware>();
        app.UseUnhandledErrors();
        return app;
    }

    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthPath, new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains(ReadyTag),
            ResponseWriter = HealthResponse.WriteAsync,
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });
        app.MapHealthChecks(AlivePath, new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains("live"),
            ResponseWriter = HealthResponse.WriteAsync,
        });
        return app;
    }
}

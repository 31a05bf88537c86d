using System.Text.Json;
using MadBase.ServiceDefaults.Database;
using MadBase.ServiceDefaults.Messaging;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MadBase.ServiceDefaults.Health;

/// <summary>
/// Readiness of the system database, which every request needs to find its project: one round trip, given
/// up on after <see cref="Timeout"/> so that /health answers "unhealthy" before the gateway's probe gives up.
/// </summary>
internal sealed class SystemDatabaseHealthCheck(SystemDatabase database) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1.5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await using var command = database.DataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException
                                  || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return HealthCheckResult.Unhealthy("system database unreachable");
        }
    }
}

/// <summary>
/// Redis is optional: absent is healthy, configured but down or not answering is degraded (still 200: rate
/// limits count per process and caches fall back to their TTLs). Reads what <see cref="RedisMonitor"/> last
/// saw and never waits on Redis, so a frozen Redis cannot make /health slower than the gateway's probe timeout.
/// </summary>
internal sealed class RedisHealthCheck(IMessageBus bus, TimeProvider time) : IHealthCheck
{
    private const string Fallback = "rate limits count per process, caches expire on their TTL";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var result = bus switch
        {
            not RedisConnection => HealthCheckResult.Healthy("not configured"),
            RedisConnection { IsConnected: false } => HealthCheckResult.Degraded($"redis not connected; {Fallback}"),
            RedisConnection { StalledSince: { } since } => HealthCheckResult.Degraded(
                $"redis not answering for {(time.GetUtcNow() - since).TotalSeconds:F0} s; {Fallback}"),
            _ => HealthCheckResult.Healthy(),
        };
        return Task.FromResult(result);
    }
}

/// <summary>
/// Writes <c>{"status":"Healthy","checks":{"postgres":{"status":"Healthy"}}}</c>, with a check's data when
/// it has some; never exception text.
/// </summary>
internal static class HealthResponse
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var checks = report.Entries.ToDictionary(e => e.Key, e => Entry(e.Value));
        var body = new Dictionary<string, object>
        {
            ["status"] = report.Status.ToString(),
            ["duration_ms"] = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            ["checks"] = checks,
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body), context.RequestAborted);
    }

    private static Dictionary<string, object?> Entry(HealthReportEntry entry)
    {
        var written = new Dictionary<string, object?> { ["status"] = entry.Status.ToString(), ["description"] = entry.Description };
        if (entry.Data.Count > 0)
        {
            written["data"] = entry.Data;
        }

        return written;
    }
}

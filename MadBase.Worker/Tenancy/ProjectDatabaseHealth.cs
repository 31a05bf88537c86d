using System.Collections.Concurrent;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MadBase.Worker.Tenancy;

/// <summary>
/// Which projects' databases this worker failed to reach lately: an entry is made when opening a connection
/// fails, and dropped when one opens again, when the project changes or goes away, or after
/// <see cref="Remembered"/> without another failure.
/// </summary>
internal sealed class ProjectDatabaseHealth(TimeProvider time)
{
    internal static readonly TimeSpan Remembered = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, DateTimeOffset> failing = new(StringComparer.Ordinal);

    /// <summary>Records a failure; true when the project was not failing already (worth one log line).</summary>
    public bool Failed(string projectRef)
    {
        var now = time.GetUtcNow();
        var added = false;
        failing.AddOrUpdate(projectRef, _ => { added = true; return now; }, (_, _) => now);
        return added;
    }

    public void Reachable(string projectRef)
    {
        // The common case, every request: nothing failing, nothing to look up.
        if (!failing.IsEmpty)
        {
            failing.TryRemove(projectRef, out _);
        }
    }

    public void Forget(string projectRef) => failing.TryRemove(projectRef, out _);

    /// <summary>The projects that failed within <see cref="Remembered"/>, with when they last did.</summary>
    public IReadOnlyList<KeyValuePair<string, DateTimeOffset>> Unreachable()
    {
        var since = time.GetUtcNow() - Remembered;
        foreach (var stale in failing.Where(f => f.Value < since))
        {
            failing.TryRemove(stale);
        }

        return [.. failing.OrderByDescending(f => f.Value)];
    }
}

/// <summary>
/// Lists project databases this worker cannot reach, but stays Healthy: one project's database says nothing
/// about the worker, which keeps serving every other project, and must never take it out of rotation.
/// Refs and times only; never a connection string.
/// </summary>
internal sealed class ProjectDatabasesHealthCheck(ProjectDatabaseHealth health) : IHealthCheck
{
    private const int Listed = 20;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var unreachable = health.Unreachable();
        if (unreachable.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy());
        }

        var data = unreachable.Take(Listed).ToDictionary(
            f => f.Key, f => (object)("unreachable, last failed " + f.Value.ToString("O", System.Globalization.CultureInfo.InvariantCulture)));
        var description = unreachable.Count == 1 ? "1 project database unreachable" : $"{unreachable.Count} project databases unreachable";
        return Task.FromResult(HealthCheckResult.Healthy(description, data));
    }
}

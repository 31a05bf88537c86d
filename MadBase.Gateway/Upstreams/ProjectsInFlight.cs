using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using MadBase.ServiceDefaults.Projects;

namespace MadBase.Gateway.Upstreams;

/// <summary>
/// How many requests of each project this gateway is proxying now: <see cref="ProjectAffinityPolicy"/> lets a
/// project's request leave its worker only while enough other requests of the same project are in flight
/// (<see cref="ProjectAffinityPolicy.BurstSize"/>), so that what spreads over the workers is a project's own burst,
/// never the projects that merely share a busy worker (each of which would pay a cold start on the other: a pool, a
/// Postgres connection, a schema cache). One counter per project the API-key step resolved, for the process's life:
/// a few dozen bytes per project.
/// </summary>
internal sealed class ProjectsInFlight
{
    private readonly ConcurrentDictionary<string, StrongBox<int>> counts = new(StringComparer.Ordinal);

    public int Of(string projectRef) => counts.TryGetValue(projectRef, out var count) ? Volatile.Read(ref count.Value) : 0;

    public StrongBox<int> Enter(string projectRef)
    {
        var count = counts.GetOrAdd(projectRef, static _ => new StrongBox<int>());
        Interlocked.Increment(ref count.Value);
        return count;
    }

    public static void Leave(StrongBox<int> count) => Interlocked.Decrement(ref count.Value);
}

/// <summary>
/// Counts each proxied request of a project in <see cref="ProjectsInFlight"/> while it runs; after the API-key step,
/// which names the project, and before load balancing, which reads the count. WebSockets are left out: a socket
/// stays open for hours and is no burst.
/// </summary>
internal sealed class ProjectsInFlightMiddleware(RequestDelegate next, ProjectsInFlight inFlight)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var projectRef = context.Request.Headers[ProjectHeaders.ProjectRef].ToString();
        if (projectRef.Length == 0 || context.WebSockets.IsWebSocketRequest)
        {
            await next(context);
            return;
        }

        var count = inFlight.Enter(projectRef);
        try
        {
            await next(context);
        }
        finally
        {
            ProjectsInFlight.Leave(count);
        }
    }
}

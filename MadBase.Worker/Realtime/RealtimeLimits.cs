using System.Collections.Concurrent;
using MadBase.ServiceDefaults.Messaging;
using MadBase.Worker.Realtime.Broadcast;
using Microsoft.Extensions.Options;

namespace MadBase.Worker.Realtime;

/// <summary>
/// Per-project caps. Joins and events per second are counted by each worker in one-second windows (a
/// Redis round trip per message would cost more than the limit protects); concurrent users are summed
/// over every worker's count in a Redis hash per project, which a worker's <see cref="Presence.PresenceSweeper"/>
/// clears when that worker dies.
/// </summary>
internal sealed class RealtimeLimits(IOptions<RealtimeOptions> options, TimeProvider time, WorkerIdentity worker, RedisConnection? redis = null)
{
    private readonly ConcurrentDictionary<string, Window> joins = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Window> events = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> users = new(StringComparer.Ordinal);

    public RealtimeOptions Options => options.Value;

    public static string UsersKey(string projectRef) => "madbase:realtime:users:" + projectRef;

    public static string WorkerProjectsKey(string workerId) => "madbase:realtime:user-projects:" + workerId;

    public bool TryJoin(string projectRef) => Count(joins, projectRef, options.Value.MaxJoinsPerSecond);

    public bool TryEvent(string projectRef) => Count(events, projectRef, options.Value.MaxEventsPerSecond);

    /// <summary>Counts a socket's first joined channel; false when the project is at its cap.</summary>
    public async Task<bool> TryAddUserAsync(string projectRef)
    {
        var mine = users.AddOrUpdate(projectRef, 1, static (_, n) => n + 1);
        var total = mine;
        if (redis is not null)
        {
            var (answered, all) = await redis.TryAsync(async db =>
            {
                await db.SetAddAsync(WorkerProjectsKey(worker.Id), projectRef);
                await db.HashSetAsync(UsersKey(projectRef), worker.Id, mine);
                return await db.HashGetAllAsync(UsersKey(projectRef));
            });
            if (answered)
            {
                total = all.Where(e => e.Name != worker.Id).Sum(e => (int)e.Value) + mine;
            }
        }

        if (total > options.Value.MaxConcurrentUsers)
        {
            await RemoveUserAsync(projectRef);
            return false;
        }

        return true;
    }

    public async Task RemoveUserAsync(string projectRef)
    {
        var mine = users.AddOrUpdate(projectRef, 0, static (_, n) => Math.Max(0, n - 1));
        if (redis is not null)
        {
            await redis.TryAsync(db => db.HashSetAsync(UsersKey(projectRef), worker.Id, mine));
        }
    }

    private bool Count(ConcurrentDictionary<string, Window> windows, string projectRef, int limit)
    {
        var second = time.GetUtcNow().ToUnixTimeSeconds();
        var window = windows.AddOrUpdate(
            projectRef,
            _ => new Window(second, 1),
            (_, w) => w.Second == second ? w with { Count = w.Count + 1 } : new Window(second, 1));
        return window.Count <= limit;
    }

    private sealed record Window(long Second, int Count);
}

using System.Collections.Concurrent;
using MadBase.ServiceDefaults.Messaging;
using MadBase.Worker.Realtime.Broadcast;
using Microsoft.Extensions.Options;

namespace MadBase.Worker.Realtime;

/// <summary>
/// Per-project caps, counted across workers. Joins and events per second: one-second windows, each worker
/// counting its own at once and adding them to the project's counter for that second in Redis without
/// waiting (a message never waits on Redis); each answer tells it what the other workers counted so far, so a
/// decision lags the cluster by one round trip at most. Without Redis (down, or not configured) each worker
/// counts alone, as the rest of Realtime degrades. Concurrent users are summed over every worker's count in a
/// Redis hash per project, which a worker's <see cref="Presence.PresenceSweeper"/> clears when that worker dies.
/// </summary>
internal sealed class RealtimeLimits(IOptions<RealtimeOptions> options, TimeProvider time, WorkerIdentity worker, RedisConnection? redis = null)
{
    private readonly ConcurrentDictionary<string, Window> joins = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Window> events = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> users = new(StringComparer.Ordinal);

    public RealtimeOptions Options => options.Value;

    public static string UsersKey(string projectRef) => "madbase:realtime:users:" + projectRef;

    public static string WorkerProjectsKey(string workerId) => "madbase:realtime:user-projects:" + workerId;

    public static string RateKey(string kind, string projectRef, long second) => $"madbase:realtime:{kind}:{projectRef}:{second}";

    public bool TryJoin(string projectRef) => Count(joins, "joins", projectRef, options.Value.MaxJoinsPerSecond);

    public bool TryEvent(string projectRef) => Count(events, "events", projectRef, options.Value.MaxEventsPerSecond);

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

    private bool Count(ConcurrentDictionary<string, Window> windows, string kind, string projectRef, int limit)
    {
        var second = time.GetUtcNow().ToUnixTimeSeconds();
        var window = windows.AddOrUpdate(projectRef, _ => new Window(second), (_, w) => w.Second == second ? w : new Window(second));
        var mine = Interlocked.Increment(ref window.Mine);
        if (redis is not null)
        {
            _ = ShareAsync(RateKey(kind, projectRef, second), window, mine);
        }

        return mine + Volatile.Read(ref window.Others) <= limit;
    }

    private async Task ShareAsync(string key, Window window, int mine)
    {
        var (answered, total) = await redis!.TryAsync(async db =>
        {
            var total = await db.StringIncrementAsync(key);
            if (total == 1)
            {
                await db.KeyExpireAsync(key, TimeSpan.FromSeconds(5));
            }

            return total;
        });
        if (!answered)
        {
            return;
        }

        // This worker's increments are applied in order, so the total includes its first `mine` of them.
        var others = (int)Math.Min(int.MaxValue, total - mine);
        int seen;
        while (others > (seen = Volatile.Read(ref window.Others)) && Interlocked.CompareExchange(ref window.Others, others, seen) != seen)
        {
        }
    }

    /// <summary>One second of one project: this worker's count, and the most the others were seen to have.</summary>
    private sealed class Window(long second)
    {
        public int Mine;
        public int Others;

        public long Second { get; } = second;
    }
}

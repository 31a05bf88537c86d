using MadBase.ServiceDefaults.Logging;
using MadBase.ServiceDefaults.Messaging;
using MadBase.Worker.Realtime.Broadcast;
using MadBase.Worker.Realtime.Channels;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace MadBase.Worker.Realtime.Presence;

/// <summary>
/// Keeps this worker's liveness key in Redis alive (it expires after the heartbeat timeout), and removes
/// what workers whose key expired left behind: their presences, with a leave to every channel of the
/// topic, and their share of the concurrent-user counts. Every worker sweeps; HDEL tells exactly one of
/// them that it removed an entry, and only that one sends its leave.
/// </summary>
internal sealed partial class PresenceSweeper(
    WorkerIdentity worker, PresenceHub presence, IOptions<RealtimeOptions> options, ILogger<PresenceSweeper> logger, RedisConnection? redis = null)
    : BackgroundService
{
    private const string Workers = "madbase:realtime:workers";

    private static string AliveKey(string id) => "madbase:realtime:alive:" + id;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (redis is null)
        {
            return;
        }

        var timeout = options.Value.HeartbeatTimeout;
        // At most 5 s between sweeps, whatever the timeout: a dead worker's presences leave within its own
        // timeout (when its liveness key expires) plus one sweep, and a sweep is two small Redis reads per worker.
        using var timer = new PeriodicTimer(TimeSpan.FromTicks(Math.Clamp(timeout.Ticks / 4, TimeSpan.TicksPerSecond, 5 * TimeSpan.TicksPerSecond)));
        do
        {
            try
            {
                await redis.TryAsync(async db =>
                {
                    await db.SetAddAsync(Workers, worker.Id);
                    return await db.StringSetAsync(AliveKey(worker.Id), "1", timeout);
                });
                await SweepAsync();
            }
            catch (RedisException e)
            {
                LogSweepFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).AsTask().ContinueWith(t => !t.IsCanceled && t.Result, TaskScheduler.Default));
    }

    private async Task SweepAsync()
    {
        var (answered, members) = await redis!.TryAsync(db => db.SetMembersAsync(Workers));
        if (!answered)
        {
            return;
        }

        foreach (var member in members)
        {
            var id = member.ToString();
            if (id == worker.Id)
            {
                continue;
            }

            var (checkedAlive, alive) = await redis.TryAsync(db => db.KeyExistsAsync(AliveKey(id)));
            if (checkedAlive && !alive)
            {
                await RemoveDeadAsync(id);
            }
        }
    }

    private async Task RemoveDeadAsync(string deadId)
    {
        var (answered, hashes) = await redis!.TryAsync(db => db.SetMembersAsync(PresenceHub.WorkerTopicsKey(deadId)));
        if (!answered)
        {
            return;
        }

        foreach (var hash in hashes)
        {
            var hashKey = hash.ToString();
            var (read, entries) = await redis.TryAsync(db => db.HashGetAllAsync(hashKey));
            if (!read || ParseTopic(hashKey) is not { } topic)
            {
                continue;
            }

            var leaves = new List<(string Key, string Meta)>();
            foreach (var entry in entries.Where(e => e.Name.ToString().StartsWith(deadId + "/", StringComparison.Ordinal)))
            {
                var (deleted, removed) = await redis.TryAsync(db => db.HashDeleteAsync(hashKey, entry.Name));
                if (deleted && removed && PresenceHub.Parse(entry.Value) is { } presence)
                {
                    leaves.Add((presence.Key, presence.Meta.GetRawText()));
                }
            }

            if (leaves.Count > 0)
            {
                await presence.LeaveAsync(topic, leaves);
            }
        }

        var (projectsRead, projects) = await redis.TryAsync(db => db.SetMembersAsync(RealtimeLimits.WorkerProjectsKey(deadId)));
        if (projectsRead)
        {
            foreach (var project in projects)
            {
                await redis.TryAsync(db => db.HashDeleteAsync(RealtimeLimits.UsersKey(project.ToString()), deadId));
            }
        }

        await redis.TryAsync(async db =>
        {
            await db.KeyDeleteAsync([PresenceHub.WorkerTopicsKey(deadId), RealtimeLimits.WorkerProjectsKey(deadId)]);
            return await db.SetRemoveAsync(Workers, deadId);
        });
        LogSwept(logger, deadId);
    }

    /// <summary>The topic of a presence hash key, <c>madbase:realtime:presence:{ref}:{public|private}:{name}</c>.</summary>
    private static TopicKey? ParseTopic(string hashKey)
    {
        const string prefix = "madbase:realtime:presence:";
        if (!hashKey.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var parts = hashKey[prefix.Length..].Split(':', 3);
        return parts.Length == 3 ? new TopicKey(parts[0], parts[1] == "private", parts[2]) : null;
    }

    [LoggerMessage(EventId = EventIds.RealtimePresencesRemoved, Level = LogLevel.Information, Message = "Realtime removed the presences of worker {WorkerId}, which stopped renewing its liveness")]
    private static partial void LogSwept(ILogger logger, string workerId);

    [LoggerMessage(EventId = EventIds.RealtimePresenceSweepFailed, Level = LogLevel.Warning, Message = "Realtime's presence sweep failed; it runs again shortly")]
    private static partial void LogSweepFailed(ILogger logger, Exception error);
}

using System.Collections.Concurrent;
using MadBase.ServiceDefaults.Messaging;
using MadBase.ServiceDefaults.Projects;
using StackExchange.Redis;

namespace MadBase.Worker.Auth;

/// <summary>
/// GoTrue's per-IP request limits (api/apilimiter), counted in fixed windows: in Redis when the worker has
/// one, so every worker shares the count, and in this process otherwise (or while Redis is down or not answering).
/// </summary>
internal sealed class AuthRateLimiter(TimeProvider clock, RedisConnection? redis = null)
{
    // INCR and set the window's expiry on first use, atomically.
    private const string Increment = """
        local n = redis.call('INCR', KEYS[1])
        if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
        return n
        """;

    private readonly ConcurrentDictionary<string, int> local = new(StringComparer.Ordinal);
    private long localWindowSweep;

    public static AuthRateLimiter Create(IServiceProvider services) =>
        new(services.GetRequiredService<TimeProvider>(), services.GetService<RedisConnection>());

    /// <summary>Counts this request; throws GoTrue's 429 when the client is over <paramref name="limit"/> per window.</summary>
    public Task CheckAsync(HttpContext context, Project project, string bucket, int limit, TimeSpan window) =>
        CheckKeyAsync($"{project.Ref}:{bucket}:{ClientIp.Of(context)}", limit, window, AuthErrors.RateLimited());

    /// <summary>A limit of the whole project, all clients together (GoTrue's SMS-sent limiter); <paramref name="refusal"/> when over it.</summary>
    public Task CheckProjectAsync(Project project, string bucket, int limit, TimeSpan window, AuthError refusal) =>
        CheckKeyAsync($"{project.Ref}:{bucket}", limit, window, refusal);

    private async Task CheckKeyAsync(string scope, int limit, TimeSpan window, AuthError refusal)
    {
        if (limit <= 0)
        {
            return;
        }

        var windowIndex = clock.GetUtcNow().ToUnixTimeMilliseconds() / (long)window.TotalMilliseconds;
        var count = await CountAsync($"madbase:auth:rate:{scope}:{windowIndex}", window, windowIndex);
        if (count > limit)
        {
            throw new AuthException(refusal);
        }
    }

    private async Task<long> CountAsync(string key, TimeSpan window, long windowIndex)
    {
        if (redis is not null)
        {
            // Bounded: a frozen Redis costs a request at most RedisConnection.RequestTimeout, and once it is
            // seen not answering (or down) requests skip it and the limits hold per worker until it answers again.
            var (answered, count) = await redis.TryAsync(async database => (long)await database.ScriptEvaluateAsync(
                Increment, [(RedisKey)key], [(RedisValue)(long)window.TotalMilliseconds]));
            if (answered)
            {
                return count;
            }
        }

        if (Interlocked.Exchange(ref localWindowSweep, windowIndex) != windowIndex)
        {
            foreach (var stale in local.Keys.Where(k => !k.EndsWith(":" + windowIndex, StringComparison.Ordinal)))
            {
                local.TryRemove(stale, out _);
            }
        }

        return local.AddOrUpdate(key, 1, static (_, n) => n + 1);
    }
}

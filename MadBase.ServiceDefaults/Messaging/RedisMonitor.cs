using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace MadBase.ServiceDefaults.Messaging;

/// <summary>
/// Pings Redis every second, off the request path, and keeps <see cref="RedisConnection.StalledSince"/>
/// current: the health check reads that instead of waiting on Redis itself, and request paths skip a Redis
/// that stopped answering instead of each waiting out its timeout. A ping still unanswered at the next
/// tick means Redis is stalled; no second ping is queued behind it.
/// </summary>
internal sealed class RedisMonitor(RedisConnection redis, TimeProvider time) : BackgroundService
{
    internal static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private Task? pending;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                await ProbeAsync();
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task ProbeAsync()
    {
        if (!redis.IsConnected)
        {
            // Not available anyway; the multiplexer reconnects on its own, and the next probe after that clears a stall.
            return;
        }

        if (pending is { IsCompleted: false })
        {
            redis.MarkStalled();
            return;
        }

        try
        {
            pending = redis.PingAsync();
            await pending.WaitAsync(Interval, time);
            redis.MarkAnswering();
        }
        catch (TimeoutException)
        {
            RedisConnection.Observe(pending!);
            redis.MarkStalled();
        }
        catch (RedisException)
        {
            // Lost the connection meanwhile: IsConnected says so.
        }
    }
}

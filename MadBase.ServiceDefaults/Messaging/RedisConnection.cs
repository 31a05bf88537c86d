using MadBase.ServiceDefaults.Logging;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace MadBase.ServiceDefaults.Messaging;

/// <summary>
/// The process's one Redis multiplexer (<c>ConnectionStrings__redis</c>, optional), registered by
/// Aspire.StackExchange.Redis (logging, tracing). Connects in the background and keeps retrying, so a service
/// starts, and serves, while Redis is down or absent.
/// </summary>
/// <remarks>
/// Redis is never worth a failed request: every call on a request path goes through <see cref="TryAsync"/>,
/// which waits at most <see cref="RequestTimeout"/> and lets the caller fall back. StackExchange.Redis times
/// async calls out only after its own AsyncTimeout (seconds), and a frozen Redis (SIGSTOP, a stalled host)
/// keeps the connection open, so without that bound a call waits that long on every request.
/// </remarks>
public sealed partial class RedisConnection : IMessageBus
{
    public const string ConnectionName = "redis";

    /// <summary>Longest a request waits for Redis; loopback Redis answers in well under a millisecond.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromMilliseconds(500);

    private readonly IConnectionMultiplexer multiplexer;
    private readonly TimeProvider time;
    private readonly ILogger<RedisConnection> logger;
    private long stalledSince;

    internal RedisConnection(IConnectionMultiplexer multiplexer, TimeProvider time, ILogger<RedisConnection> logger)
    {
        this.multiplexer = multiplexer;
        this.time = time;
        this.logger = logger;
    }

    public bool IsConnected => multiplexer.IsConnected;

    /// <summary>Connected and answering: when false, callers skip Redis at once instead of waiting on it.</summary>
    public bool IsAvailable => multiplexer.IsConnected && StalledSince is null;

    /// <summary>When a call or a probe last went unanswered, until a probe is answered again.</summary>
    public DateTimeOffset? StalledSince
    {
        get
        {
            var ticks = Interlocked.Read(ref stalledSince);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>
    /// Runs <paramref name="call"/> when Redis is available and answers within <see cref="RequestTimeout"/>;
    /// otherwise returns false, and the caller does without Redis.
    /// </summary>
    public async Task<(bool Answered, T Value)> TryAsync<T>(Func<IDatabase, Task<T>> call)
    {
        if (!IsAvailable)
        {
            return (false, default!);
        }

        Task<T>? pending = null;
        try
        {
            pending = call(multiplexer.GetDatabase());
            return (true, await pending.WaitAsync(RequestTimeout, time));
        }
        catch (TimeoutException) when (pending is not null)
        {
            Observe(pending);
            MarkStalled();
            return (false, default!);
        }
        catch (RedisException e)
        {
            LogCallFailed(logger, e);
            return (false, default!);
        }
    }

    /// <summary>One round trip, for the monitor; unbounded, so the caller bounds it.</summary>
    public async Task<TimeSpan> PingAsync() => await multiplexer.GetDatabase().PingAsync();

    public async Task PublishAsync(string channel, string message)
    {
        if (!IsAvailable)
        {
            // Subscribers fall back to their cache TTL, so a lost message delays, never breaks.
            LogPublishSkipped(logger, channel);
            return;
        }

        Task? pending = null;
        try
        {
            pending = multiplexer.GetSubscriber().PublishAsync(RedisChannel.Literal(channel), message);
            await pending.WaitAsync(RequestTimeout, time);
        }
        catch (TimeoutException) when (pending is not null)
        {
            Observe(pending);
            MarkStalled();
            LogPublishSkipped(logger, channel);
        }
        catch (RedisException e)
        {
            LogPublishFailed(logger, e, channel);
        }
    }

    public Task SubscribeAsync(string channel, Action<string> handler) =>
        multiplexer.GetSubscriber().SubscribeAsync(RedisChannel.Literal(channel), (_, value) => handler(value.ToString()));

    internal void MarkStalled()
    {
        if (Interlocked.CompareExchange(ref stalledSince, time.GetUtcNow().UtcTicks, 0) == 0)
        {
            LogStalled(logger, RequestTimeout.TotalMilliseconds);
        }
    }

    internal void MarkAnswering()
    {
        if (Interlocked.Exchange(ref stalledSince, 0) != 0)
        {
            LogAnswering(logger);
        }
    }

    /// <summary>A call given up on may still fail when Redis wakes; its exception is expected, not unobserved.</summary>
    internal static void Observe(Task pending) =>
        _ = pending.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    [LoggerMessage(EventId = EventIds.RedisPublishFailed, Level = LogLevel.Warning, Message = "Redis publish on {Channel} failed")]
    private static partial void LogPublishFailed(ILogger logger, Exception error, string channel);

    [LoggerMessage(EventId = EventIds.RedisPublishSkipped, Level = LogLevel.Debug, Message = "Redis is not available; publish on {Channel} skipped")]
    private static partial void LogPublishSkipped(ILogger logger, string channel);

    [LoggerMessage(EventId = EventIds.RedisStalled, Level = LogLevel.Warning,
        Message = "Redis did not answer within {TimeoutMs} ms; going on without it (rate limits per process, caches on their TTL)")]
    private static partial void LogStalled(ILogger logger, double timeoutMs);

    [LoggerMessage(EventId = EventIds.RedisAnswersAgain, Level = LogLevel.Information, Message = "Redis answers again")]
    private static partial void LogAnswering(ILogger logger);

    [LoggerMessage(EventId = EventIds.RedisCallFailed, Level = LogLevel.Debug, Message = "Redis call failed; going on without it")]
    private static partial void LogCallFailed(ILogger logger, Exception error);
}

using System.Threading.Channels;
using MadBase.ServiceDefaults.Functions;
using MadBase.ServiceDefaults.Messaging;
using StackExchange.Redis;

namespace MadBase.Worker.Functions.Runtime;

/// <summary>
/// Functions' console output, on its way to the project's <see cref="FunctionLogStream"/> where the admin API
/// reads it. Lines queue without waiting (an instance's output reader must never block on Redis) and are written
/// in batches; when the queue is full the oldest lines go, and without Redis they stay only in the worker log.
/// </summary>
internal sealed class FunctionConsole(IServiceProvider services) : BackgroundService
{
    private const int QueueCapacity = 10_000;
    private const int BatchSize = 256;

    private readonly RedisConnection? redis = services.GetService<RedisConnection>();
    private readonly Channel<ConsoleLine> queue = Channel.CreateBounded<ConsoleLine>(
        new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest });

    public void Write(DeployedFunction function, string stream, string line)
    {
        if (redis is not null)
        {
            queue.Writer.TryWrite(new ConsoleLine(function, stream, line, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (redis is null)
        {
            return;
        }

        var batch = new List<ConsoleLine>(BatchSize);
        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < BatchSize && queue.Reader.TryRead(out var line))
                {
                    batch.Add(line);
                }

                var lines = batch.ToArray();
                batch.Clear();
                await redis.TryAsync(async database =>
                {
                    await Task.WhenAll(lines.Select(line => database.StreamAddAsync(
                        FunctionLogStream.Key(line.Function.ProjectRef), Fields(line),
                        maxLength: FunctionLogStream.MaxEntries, useApproximateMaxLength: true)));
                    return true;
                });
            }
        }
        catch (OperationCanceledException)
        {
            // The worker is stopping; what is still queued is in the worker log already.
        }
    }

    private static NameValueEntry[] Fields(ConsoleLine line) =>
    [
        new(FunctionLogStream.Time, line.UnixMilliseconds),
        new(FunctionLogStream.Slug, line.Function.Slug),
        new(FunctionLogStream.Version, line.Function.Version),
        new(FunctionLogStream.Stream, line.Stream),
        new(FunctionLogStream.Line, line.Text.Length > FunctionLogStream.MaxLineLength ? line.Text[..FunctionLogStream.MaxLineLength] : line.Text),
    ];

    private readonly record struct ConsoleLine(DeployedFunction Function, string Stream, string Text, long UnixMilliseconds);
}

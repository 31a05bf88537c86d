using System.Globalization;
using MadBase.Control.Admin;
using MadBase.ServiceDefaults.Functions;
using MadBase.ServiceDefaults.Messaging;
using StackExchange.Redis;

namespace MadBase.Control.Functions;

/// <summary>One line a function wrote, as <c>GET .../functions/{slug}/logs</c> shows it.</summary>
internal sealed record FunctionLogLine(DateTimeOffset Timestamp, int Version, string Stream, string Message);

/// <summary>
/// Reads what the workers kept of a project's console output (<see cref="FunctionLogStream"/>): the newest
/// lines of one function, oldest first. The ring lives in Redis, so without Redis there is nothing to read and
/// the caller is told so (the workers' own logs still have every line).
/// </summary>
internal sealed class FunctionLogs(IServiceProvider services)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    private readonly RedisConnection? redis = services.GetService<RedisConnection>();

    public async Task<List<FunctionLogLine>> ReadAsync(string projectRef, string slug, int limit)
    {
        if (redis is null)
        {
            throw new AdminException(StatusCodes.Status503ServiceUnavailable,
                "function logs are kept in Redis, and this deployment has none (ConnectionStrings__redis); the workers' logs have every line");
        }

        var (answered, entries) = await redis.TryAsync(database =>
            database.StreamRangeAsync(FunctionLogStream.Key(projectRef), "-", "+", FunctionLogStream.MaxEntries, Order.Descending));
        if (!answered)
        {
            throw new AdminException(StatusCodes.Status503ServiceUnavailable, "function logs are not available now: Redis did not answer");
        }

        var lines = new List<FunctionLogLine>(Math.Min(limit, entries.Length));
        foreach (var entry in entries)
        {
            if (entry[FunctionLogStream.Slug] == slug)
            {
                lines.Add(ToLine(entry));
                if (lines.Count == limit)
                {
                    break;
                }
            }
        }

        // Oldest first by when the function wrote them: workers append in batches, so the stream's own order
        // (arrival) can put one worker's earlier line after another's later one.
        lines.Reverse();
        return [.. lines.OrderBy(line => line.Timestamp)];
    }

    private static FunctionLogLine ToLine(StreamEntry entry) => new(
        DateTimeOffset.FromUnixTimeMilliseconds((long)entry[FunctionLogStream.Time]),
        (int)entry[FunctionLogStream.Version],
        entry[FunctionLogStream.Stream].ToString(),
        entry[FunctionLogStream.Line].ToString());

    /// <summary>The <c>limit</c> query parameter: 1 to <see cref="MaxLimit"/>, <see cref="DefaultLimit"/> when absent.</summary>
    public static int ParseLimit(string? limit) =>
        limit is null ? DefaultLimit
        : int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is >= 1 and <= MaxLimit ? value
        : throw AdminException.BadRequest($"limit must be a whole number from 1 to {MaxLimit}");
}

using System.Collections.Concurrent;

namespace MadBase.Gateway.RecentRequests;

/// <summary>One request as Studio's log shows it; the path never carries the query (keys and tokens travel there).</summary>
internal sealed record RecentRequest(DateTimeOffset Time, string Method, string Path, int Status, double DurationMs, string RequestId);

/// <summary>
/// The last <see cref="PerProject"/> requests of each project this gateway served, newest first, for Studio's
/// logs page. In memory and bounded: at most <see cref="MaxProjects"/> projects (the first seen) are kept, so
/// the worst case is a few megabytes however many projects there are; a restart starts empty.
/// </summary>
internal sealed class RecentRequestLog
{
    public const int PerProject = 200;
    public const int MaxProjects = 500;

    private readonly ConcurrentDictionary<string, Ring> rings = new(StringComparer.Ordinal);

    public void Add(string projectRef, RecentRequest request)
    {
        if (!rings.TryGetValue(projectRef, out var ring))
        {
            // Racing adds may overshoot by a few; the bound is about memory, not an exact count.
            if (rings.Count >= MaxProjects)
            {
                return;
            }

            ring = rings.GetOrAdd(projectRef, _ => new Ring());
        }

        ring.Add(request);
    }

    public IReadOnlyList<RecentRequest> Newest(string projectRef, int limit) =>
        rings.TryGetValue(projectRef, out var ring) ? ring.Newest(limit) : [];

    private sealed class Ring
    {
        private readonly RecentRequest[] items = new RecentRequest[PerProject];
        private readonly Lock gate = new();
        private int next;
        private int count;

        public void Add(RecentRequest request)
        {
            lock (gate)
            {
                items[next] = request;
                next = (next + 1) % items.Length;
                count = Math.Min(count + 1, items.Length);
            }
        }

        public RecentRequest[] Newest(int limit)
        {
            lock (gate)
            {
                var taken = Math.Min(limit, count);
                var result = new RecentRequest[taken];
                for (var i = 0; i < taken; i++)
                {
                    result[i] = items[(next - 1 - i + items.Length) % items.Length];
                }

                return result;
            }
        }
    }
}

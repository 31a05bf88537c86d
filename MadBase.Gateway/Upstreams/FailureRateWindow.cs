namespace MadBase.Gateway.Upstreams;

/// <summary>
/// Requests and failures of one destination over a sliding window, in one-second buckets: the failure
/// rate of the last <c>window</c>, or 0 while fewer than <c>minimumRequests</c> were seen in it.
/// </summary>
internal sealed class FailureRateWindow
{
    private readonly Lock gate = new();
    private readonly long[] seconds;
    private readonly int[] totals;
    private readonly int[] failures;
    private readonly int minimumRequests;

    public FailureRateWindow(TimeSpan window, int minimumRequests)
    {
        var buckets = Math.Max(1, (int)Math.Ceiling(window.TotalSeconds));
        seconds = new long[buckets];
        Array.Fill(seconds, long.MinValue);
        totals = new int[buckets];
        failures = new int[buckets];
        this.minimumRequests = minimumRequests;
    }

    /// <summary>Counts one request at <paramref name="second"/> (any monotonic count of seconds) and returns the rate.</summary>
    public double Add(long second, bool failed)
    {
        lock (gate)
        {
            var slot = (int)(((second % seconds.Length) + seconds.Length) % seconds.Length);
            if (seconds[slot] != second)
            {
                seconds[slot] = second;
                totals[slot] = 0;
                failures[slot] = 0;
            }

            totals[slot]++;
            if (failed)
            {
                failures[slot]++;
            }

            int total = 0, failedTotal = 0;
            for (var i = 0; i < seconds.Length; i++)
            {
                if (second - seconds[i] < seconds.Length)
                {
                    total += totals[i];
                    failedTotal += failures[i];
                }
            }

            return total < minimumRequests ? 0 : (double)failedTotal / total;
        }
    }
}

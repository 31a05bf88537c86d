using System.Diagnostics.Metrics;
using MadBase.ServiceDefaults.Metrics;

namespace MadBase.Worker.Functions;

/// <summary>
/// <c>madbase.functions.*</c>: invocations, errors (5xx and 546, the function's or the platform's), cold starts
/// (a request that waited for an instance to start) and duration. Per project and function through the
/// invocation log, not here: a series per function would be unbounded.
/// </summary>
internal static class FunctionsMetrics
{
    private static readonly Meter Meter = new(MadBaseMeters.Functions);

    private static readonly Counter<long> Invocations = Meter.CreateCounter<long>(
        "madbase.functions.invocations", description: "Edge Function requests answered");

    private static readonly Counter<long> Errors = Meter.CreateCounter<long>(
        "madbase.functions.errors", description: "Edge Function requests answered with a 5xx or a resource-limit 546");

    private static readonly Counter<long> ColdStarts = Meter.CreateCounter<long>(
        "madbase.functions.cold_starts", description: "Edge Function requests that waited for a new instance");

    private static readonly Histogram<double> Duration = Meter.CreateHistogram(
        "madbase.functions.duration", unit: "s", description: "Edge Function request duration, instance start included",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 150] });

    public static void Invoked(int status, bool cold, TimeSpan duration)
    {
        Invocations.Add(1);
        if (status >= 500)
        {
            Errors.Add(1);
        }

        if (cold)
        {
            ColdStarts.Add(1);
        }

        Duration.Record(duration.TotalSeconds);
    }
}

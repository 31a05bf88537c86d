using System.Diagnostics.Metrics;

namespace MadBase.Worker.Tenancy;

/// <summary>
/// How many Postgres connections each Npgsql pool really holds, idle and in use, read from Npgsql's own
/// <c>db.client.connection.count</c> instrument on demand. Npgsql prunes a pool's idle connections on its own
/// timer and tells no one; <see cref="ConnectionBudget"/> reads these counts at its cap so that room its pools gave
/// back is used before another project's connections are closed for it.
/// </summary>
internal sealed class PoolConnectionCounts : IDisposable
{
    private const string MeterName = "Npgsql";
    private const string InstrumentName = "db.client.connection.count";
    private const string PoolTag = "db.client.connection.pool.name";

    private readonly MeterListener listener = new();
    private readonly Lock gate = new();
    private Dictionary<string, int> counts = new(StringComparer.Ordinal);

    public PoolConnectionCounts()
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == MeterName && instrument.Name == InstrumentName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((_, value, tags, _) => Add(value, tags));
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) => Add((int)value, tags));
        listener.Start();
    }

    /// <summary>Each pool's connections by pool name (a data source's Name); a pool with none may be absent.</summary>
    public IReadOnlyDictionary<string, int> Read()
    {
        lock (gate)
        {
            counts = new Dictionary<string, int>(counts.Count, StringComparer.Ordinal);
            listener.RecordObservableInstruments();
            return counts;
        }
    }

    public void Dispose() => listener.Dispose();

    private void Add(int value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == PoolTag && tag.Value is string pool)
            {
                counts[pool] = counts.GetValueOrDefault(pool) + value;
                return;
            }
        }
    }
}

using System.Diagnostics.Metrics;
using MadBase.ServiceDefaults.Metrics;

namespace MadBase.Worker.Rest.SchemaCache;

/// <summary>
/// <c>madbase.rest.schema_cache.loads{outcome="loaded"|"failed"}</c>: schema-cache reads, the first one of each
/// project and every reload (DDL, <c>NOTIFY pgrst</c>, a request naming something newer than the cache).
/// </summary>
internal static class SchemaCacheMetrics
{
    private static readonly Meter Meter = new(MadBaseMeters.Rest);

    private static readonly Counter<long> Loads = Meter.CreateCounter<long>(
        "madbase.rest.schema_cache.loads", unit: "{load}", description: "Schema-cache loads and reloads, by outcome");

    public static void Loaded() => Loads.Add(1, new KeyValuePair<string, object?>("outcome", "loaded"));

    public static void Failed() => Loads.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));
}

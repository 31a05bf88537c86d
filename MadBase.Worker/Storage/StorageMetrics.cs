using System.Diagnostics.Metrics;
using MadBase.ServiceDefaults.Metrics;

namespace MadBase.Worker.Storage;

/// <summary>
/// <c>madbase.storage.bytes{direction="in"|"out"}</c>: object bytes stored by uploads and sent by downloads (as
/// they are written, so an aborted download counts what left). Per project through the request metrics' label,
/// not here: a byte counter per project would be one more unbounded series set.
/// </summary>
internal static class StorageMetrics
{
    private static readonly Meter Meter = new(MadBaseMeters.Storage);

    private static readonly Counter<long> Bytes = Meter.CreateCounter<long>(
        "madbase.storage.bytes", unit: "By", description: "Object bytes uploaded (in) and downloaded (out)");

    private static readonly KeyValuePair<string, object?> In = new("direction", "in");

    private static readonly KeyValuePair<string, object?> Out = new("direction", "out");

    public static void Stored(long bytes) => Bytes.Add(bytes, In);

    public static void Sent(long bytes) => Bytes.Add(bytes, Out);
}

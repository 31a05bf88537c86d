using System.Text.Json;
using System.Text.Json.Serialization;

namespace MadBase.Worker.Realtime.Broadcast;

/// <summary>
/// What one worker tells the others on the project's Redis channel: a broadcast (<c>k = "b"</c>) or a
/// presence diff (<c>k = "p"</c>) for one topic. Short names: this crosses Redis once per message.
/// </summary>
internal sealed class ClusterEnvelope
{
    [JsonPropertyName("w")] public string Worker { get; set; } = "";

    [JsonPropertyName("k")] public string Kind { get; set; } = "";

    [JsonPropertyName("v")] public bool Private { get; set; }

    [JsonPropertyName("t")] public string Topic { get; set; } = "";

    [JsonPropertyName("e")] public string? Event { get; set; }

    /// <summary>JSON payload or presence diff, as JSON.</summary>
    [JsonPropertyName("j")] public JsonElement? Json { get; set; }

    /// <summary>A binary broadcast payload.</summary>
    [JsonPropertyName("b")] public byte[]? Bytes { get; set; }

    public static string ChannelOf(string projectRef) => "madbase:realtime:" + projectRef;
}

using System.Text.Json;

namespace MadBase.Worker.Realtime.Channels;

/// <summary>A join's <c>config</c>, as realtime-js sends it (booleans may come as strings, as Supabase accepts).</summary>
internal sealed record JoinConfig(bool Self, bool Ack, string? PresenceKey, bool PresenceEnabled, bool Private, JsonElement PostgresChanges)
{
    public static JoinConfig Parse(JsonElement payload)
    {
        var config = payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty("config", out var c) && c.ValueKind == JsonValueKind.Object
            ? c
            : default;
        var broadcast = Member(config, "broadcast");
        var presence = Member(config, "presence");
        var key = Member(presence, "key");
        return new JoinConfig(
            Flag(Member(broadcast, "self")),
            Flag(Member(broadcast, "ack")),
            key.ValueKind == JsonValueKind.String && key.GetString() is { Length: > 0 } k ? k : null,
            Flag(Member(presence, "enabled")),
            Flag(Member(config, "private")),
            Member(config, "postgres_changes"));
    }

    private static JsonElement Member(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : default;

    private static bool Flag(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.String => string.Equals(value.GetString(), "true", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };
}

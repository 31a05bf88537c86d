using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using MadBase.ServiceDefaults.Messaging;
using MadBase.Worker.Realtime.Broadcast;
using MadBase.Worker.Realtime.Channels;
using MadBase.Worker.Realtime.Socket;
using StackExchange.Redis;

namespace MadBase.Worker.Realtime.Presence;

/// <summary>
/// Phoenix Presence for realtime channels, global across workers: each tracked presence is an entry in a
/// Redis hash per topic (field <c>worker/channel</c>), so a joining channel's <c>presence_state</c> sees
/// every worker's; joins and leaves go out as <c>presence_diff</c> to this worker's channels at once and to
/// the others through the project's Redis channel. A worker that dies stops renewing its liveness key,
/// and a live worker's <see cref="PresenceSweeper"/> removes its entries and sends their leaves.
/// Without Redis, presence is this worker's alone.
/// </summary>
internal sealed class PresenceHub
{
    private readonly ChannelRegistry registry;
    private readonly BroadcastHub hub;
    private readonly WorkerIdentity worker;
    private readonly RedisConnection? redis;
    private readonly ConcurrentDictionary<long, Tracked> local = new();

    public PresenceHub(ChannelRegistry registry, BroadcastHub hub, WorkerIdentity worker, RedisConnection? redis = null)
    {
        this.registry = registry;
        this.hub = hub;
        this.worker = worker;
        this.redis = redis;
        hub.PresenceDiffReceived = DeliverLocal;
    }

    private sealed record Tracked(JoinedChannel Channel, string Key, string Ref, string MetaJson);

    public static string HashKey(TopicKey key) => $"madbase:realtime:presence:{key.ProjectRef}:{(key.Private ? "private" : "public")}:{key.Name}";

    public static string WorkerTopicsKey(string workerId) => "madbase:realtime:presence-topics:" + workerId;

    /// <summary>Tracks (or re-tracks) the channel's presence with <paramref name="payload"/> as its meta.</summary>
    public async Task TrackAsync(JoinedChannel channel, JsonElement payload)
    {
        var presenceRef = Convert.ToBase64String(Guid.NewGuid().ToByteArray())[..16];
        local.TryGetValue(channel.Id, out var previous);
        var meta = Meta(payload, presenceRef, previous?.Ref);
        var tracked = new Tracked(channel, channel.PresenceKey, presenceRef, meta);
        local[channel.Id] = tracked;

        var field = Field(channel);
        var entry = JsonSerializer.Serialize(new PresenceEntry(tracked.Key, PhoenixSerializer.Element(System.Text.Encoding.UTF8.GetBytes(meta))));
        if (redis is not null)
        {
            var hash = HashKey(channel.Key);
            await redis.TryAsync(async db =>
            {
                await db.SetAddAsync(WorkerTopicsKey(worker.Id), hash);
                return await db.HashSetAsync(hash, field, entry);
            });
        }

        var diff = Diff(joins: [(tracked.Key, meta)], leaves: previous is null ? [] : [(previous.Key, previous.MetaJson)]);
        await SendAsync(channel.Key, diff);
    }

    /// <summary>Removes the channel's presence, if it has one: on untrack, leave and socket loss.</summary>
    public async Task UntrackAsync(JoinedChannel channel)
    {
        if (!local.TryRemove(channel.Id, out var tracked))
        {
            return;
        }

        if (redis is not null)
        {
            await redis.TryAsync(db => db.HashDeleteAsync(HashKey(channel.Key), Field(channel)));
        }

        await SendAsync(channel.Key, Diff(joins: [], leaves: [(tracked.Key, tracked.MetaJson)]));
    }

    /// <summary>The topic's presences for <c>presence_state</c>: <c>{key: {metas: [...]}}</c>.</summary>
    public async Task<byte[]> StateAsync(TopicKey key)
    {
        var entries = new List<(string Key, string Meta)>();
        var fromRedis = false;
        if (redis is not null)
        {
            var (answered, all) = await redis.TryAsync(db => db.HashGetAllAsync(HashKey(key)));
            if (answered)
            {
                fromRedis = true;
                foreach (var item in all)
                {
                    if (Parse(item.Value) is { } entry)
                    {
                        entries.Add((entry.Key, entry.Meta.GetRawText()));
                    }
                }
            }
        }

        if (!fromRedis)
        {
            entries.AddRange(local.Values.Where(t => t.Channel.Key == key).Select(t => (t.Key, t.MetaJson)));
        }

        return Grouped(entries);
    }

    /// <summary>Sends the leaves of another worker's entries that a sweep removed.</summary>
    public Task LeaveAsync(TopicKey key, IReadOnlyList<(string Key, string Meta)> leaves) => SendAsync(key, Diff([], leaves));

    internal static PresenceEntry? Parse(RedisValue value)
    {
        try
        {
            return value.IsNullOrEmpty ? null : JsonSerializer.Deserialize<PresenceEntry>(value.ToString());
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task SendAsync(TopicKey key, byte[] diff)
    {
        DeliverLocal(key, PhoenixSerializer.Element(diff));
        await hub.PublishPresenceAsync(key, PhoenixSerializer.Element(diff));
    }

    private void DeliverLocal(TopicKey key, JsonElement diff)
    {
        var payload = System.Text.Encoding.UTF8.GetBytes(diff.GetRawText());
        foreach (var channel in registry.On(key))
        {
            if (channel.WantsPresence)
            {
                channel.Push("presence_diff", payload);
            }
        }
    }

    private string Field(JoinedChannel channel) => $"{worker.Id}/{channel.Id}";

    private static string Meta(JsonElement payload, string presenceRef, string? previousRef)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (payload.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in payload.EnumerateObject())
                {
                    if (!property.NameEquals("phx_ref") && !property.NameEquals("phx_ref_prev"))
                    {
                        property.WriteTo(writer);
                    }
                }
            }

            writer.WriteString("phx_ref", presenceRef);
            if (previousRef is not null)
            {
                writer.WriteString("phx_ref_prev", previousRef);
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static byte[] Diff(IReadOnlyList<(string Key, string Meta)> joins, IReadOnlyList<(string Key, string Meta)> leaves)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("joins");
            WriteGrouped(writer, joins);
            writer.WritePropertyName("leaves");
            WriteGrouped(writer, leaves);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] Grouped(IReadOnlyList<(string Key, string Meta)> entries)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteGrouped(writer, entries);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteGrouped(Utf8JsonWriter writer, IReadOnlyList<(string Key, string Meta)> entries)
    {
        writer.WriteStartObject();
        foreach (var group in entries.GroupBy(e => e.Key, StringComparer.Ordinal))
        {
            writer.WriteStartObject(group.Key);
            writer.WriteStartArray("metas");
            foreach (var (_, meta) in group)
            {
                writer.WriteRawValue(meta, skipInputValidation: true);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }
}

/// <summary>A presence as stored in Redis: its key and its meta (with <c>phx_ref</c>).</summary>
internal sealed record PresenceEntry(
    [property: System.Text.Json.Serialization.JsonPropertyName("key")] string Key,
    [property: System.Text.Json.Serialization.JsonPropertyName("meta")] JsonElement Meta);

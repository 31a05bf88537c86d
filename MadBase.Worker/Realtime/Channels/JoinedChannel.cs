using System.Buffers;
using System.Text.Json;
using MadBase.ServiceDefaults.Projects;
using MadBase.Worker.Realtime.Changes;
using MadBase.Worker.Realtime.Socket;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Realtime.Channels;

/// <summary>Where a channel's messages go: one project, public or private, one name.</summary>
internal readonly record struct TopicKey(string ProjectRef, bool Private, string Name);

/// <summary>One channel a socket has joined: its settings, its caller (replaced on access_token), its policies.</summary>
internal sealed class JoinedChannel : IChangeSubscriber
{
    private static long lastId;
    private volatile ChannelToken token;

    public JoinedChannel(RealtimeSession session, string topic, string joinRef, JoinConfig config, ChannelToken token, IReadOnlyList<ChangeBinding> bindings)
    {
        Session = session;
        Topic = topic;
        JoinRef = joinRef;
        Config = config;
        this.token = token;
        Bindings = bindings;
        Key = new TopicKey(session.Project.Ref, config.Private, topic["realtime:".Length..]);
        PresenceKey = config.PresenceKey ?? Guid.NewGuid().ToString();
    }

    public long Id { get; } = Interlocked.Increment(ref lastId);

    public RealtimeSession Session { get; }

    public Project Project => Session.Project;

    public string Topic { get; }

    public string JoinRef { get; }

    public JoinConfig Config { get; }

    public TopicKey Key { get; }

    public string PresenceKey { get; }

    public ChannelToken Token
    {
        get => token;
        set => token = value;
    }

    public Caller Caller => token.Caller;

    /// <summary>Null on a public channel; replaced when a new token re-checks the policies.</summary>
    public ChannelPolicies? Policies { get; set; }

    public IReadOnlyList<ChangeBinding> Bindings { get; }

    /// <summary>Presence diffs reach channels that asked for presence, as far as policies allow.</summary>
    public bool WantsPresence => Config.PresenceEnabled && (Policies is null || Policies.PresenceRead);

    public bool ReadsBroadcast => Policies is null || Policies.BroadcastRead;

    public bool Deliver(IReadOnlyList<int> ids, ReadOnlyMemory<byte> data)
    {
        var payload = new ArrayBufferWriter<byte>(data.Length + 32);
        using (var writer = new Utf8JsonWriter(payload))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("ids");
            foreach (var id in ids)
            {
                writer.WriteNumberValue(id);
            }

            writer.WriteEndArray();
            writer.WritePropertyName("data");
            writer.WriteRawValue(data.Span, skipInputValidation: true);
            writer.WriteEndObject();
        }

        return Push("postgres_changes", payload.WrittenSpan);
    }

    /// <summary>A server push on this channel (no ref), queued without waiting.</summary>
    public bool Push(string evt, ReadOnlySpan<byte> payloadJson) =>
        Session.TrySend(new OutboundFrame(Session.Serializer.Encode(JoinRef, null, Topic, evt, payloadJson), Binary: false));

    public bool PushBroadcast(BroadcastBody body) => Session.TrySend(Session.Serializer.EncodeBroadcast(Topic, body));

    /// <summary>Supabase's <c>system</c> message: <c>{extension, status, message, channel}</c>.</summary>
    public void PushSystem(string status, string message, string extension = "system")
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(new { extension, status, message, channel = Key.Name });
        Push("system", payload);
    }
}

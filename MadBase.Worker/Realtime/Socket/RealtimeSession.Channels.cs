using System.Buffers;
using System.Text.Json;
using MadBase.ServiceDefaults.Logging;
using MadBase.Worker.Realtime.Changes;
using MadBase.Worker.Realtime.Channels;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Realtime.Socket;

/// <summary>The channel events: join, leave, broadcast, presence, access_token, and the server ending a channel.</summary>
internal sealed partial class RealtimeSession
{
    private const string TopicPrefix = "realtime:";

    /// <summary>
    /// A join in Supabase's order: the topic and payload, the socket's and project's limits, the token, the channel's
    /// policies and the user count, then the channel is open.
    /// </summary>
    private async Task JoinAsync(InboundFrame frame, CancellationToken token)
    {
        if (!frame.Topic.StartsWith(TopicPrefix, StringComparison.Ordinal) || frame.Topic.Length > 255 + TopicPrefix.Length)
        {
            Reply(frame, ok: false, Reason("unmatched topic"));
            return;
        }

        await CloseOldChannelAsync(frame.Topic);

        var config = JoinConfig.Parse(frame.Payload);
        var (bindings, bindingError) = ChangeBindings.Parse(config.PostgresChanges);
        if (bindingError is not null)
        {
            Reply(frame, ok: false, Reason("InvalidJoinPayload: " + bindingError));
            return;
        }

        if (JoinLimitRefusal() is { } refusal)
        {
            Reply(frame, ok: false, Reason(refusal));
            return;
        }

        if (await JoinTokenAsync(frame) is not { } channelToken)
        {
            return;
        }

        var channel = new JoinedChannel(this, frame.Topic, frame.JoinRef ?? frame.Ref ?? "", config, channelToken, bindings);
        if (await AdmitAsync(frame, channel, token))
        {
            await OpenAsync(frame, channel);
        }
    }

    /// <summary>Phoenix closes a topic's old channel when the client joins it again.</summary>
    private async Task CloseOldChannelAsync(string topic)
    {
        JoinedChannel? existing;
        lock (channelsLock)
        {
            channels.TryGetValue(topic, out existing);
        }

        if (existing is not null)
        {
            await RemoveAsync(existing);
        }
    }

    /// <summary>The socket's channel count, then the project's joins per second (which this join then counts against).</summary>
    private string? JoinLimitRefusal()
    {
        if (Joined().Count >= Options.MaxChannelsPerClient)
        {
            return "ChannelRateLimitReached: Too many channels";
        }

        if (!hubs.Limits.TryJoin(Project.Ref))
        {
            return "ClientJoinRateLimitReached: Too many joins per second";
        }

        return null;
    }

    /// <summary>The join's own token, else the socket's (an <c>sb_</c> key is not a JWT); none is anon. Null once refused.</summary>
    private async Task<ChannelToken?> JoinTokenAsync(InboundFrame frame)
    {
        var accessToken = frame.PayloadString("access_token") ?? frame.PayloadString("user_token");
        if (accessToken is null || accessToken.StartsWith("sb_", StringComparison.Ordinal))
        {
            accessToken = socketToken;
        }

        if (accessToken is null)
        {
            return new ChannelToken(Caller.Anonymous, long.MaxValue);
        }

        var (verified, error) = await hubs.Tokens.VerifyAsync(Project, accessToken);
        if (verified is null)
        {
            Reply(frame, ok: false, Reason(error!));
        }

        return verified;
    }

    /// <summary>A private channel's read policies, the project's user count and the change feed; false once refused.</summary>
    private async Task<bool> AdmitAsync(InboundFrame frame, JoinedChannel channel, CancellationToken token)
    {
        if (channel.Config.Private)
        {
            if (await ReadPoliciesAsync(frame, channel, token) is not { } policies)
            {
                return false;
            }

            if (!policies.BroadcastRead && !policies.PresenceRead)
            {
                Reply(frame, ok: false, Reason($"Unauthorized: You do not have permissions to read from this Channel topic: {channel.Key.Name}"));
                return false;
            }

            channel.Policies = policies;
        }

        if (!countedAsUser)
        {
            if (!await hubs.Limits.TryAddUserAsync(Project.Ref))
            {
                Reply(frame, ok: false, Reason("ConnectionRateLimitReached: Too many connected users"));
                return false;
            }

            countedAsUser = true;
        }

        return channel.Bindings.Count == 0 || await AddToChangeFeedAsync(frame, channel, token);
    }

    /// <summary>The channel joins the hubs, then the join's reply and what Supabase's server sends right after it.</summary>
    private async Task OpenAsync(InboundFrame frame, JoinedChannel channel)
    {
        await hubs.Broadcasts.EnsureSubscribedAsync(Project.Ref);
        lock (channelsLock)
        {
            channels[frame.Topic] = channel;
        }

        hubs.Registry.Add(channel);
        hubs.Database.EnsureListening(Project);
        Reply(frame, ok: true, JoinReply(channel.Config, channel.Bindings));
        if (channel.Bindings.Count > 0)
        {
            // As Supabase's server, once the change feed has the subscription.
            channel.PushSystem("ok", "Subscribed to PostgreSQL", "postgres_changes");
        }

        if (channel.Config.PresenceEnabled && channel.WantsPresence)
        {
            channel.Push("presence_state", await hubs.Presence.StateAsync(channel.Key));
        }
    }

    private async Task<ChannelPolicies?> ReadPoliciesAsync(InboundFrame frame, JoinedChannel channel, CancellationToken token)
    {
        try
        {
            return await hubs.Authorization.ReadAsync(Project, channel.Caller, channel.Key.Name, token);
        }
        catch (Exception e) when (ProjectDatabaseUnavailableException.Describes(e) || e is Npgsql.PostgresException)
        {
            LogAuthorizationFailed(logger, e, Project.Ref, channel.Key.Name);
            Reply(frame, ok: false, Reason("UnableToConnectToProject: Realtime was unable to connect to the project database"));
            return null;
        }
    }

    private async Task<bool> AddToChangeFeedAsync(InboundFrame frame, JoinedChannel channel, CancellationToken token)
    {
        var feed = hubs.ChangeFeed;
        if (feed is null)
        {
            Reply(frame, ok: false, Reason("PostgresChangesUnavailable: postgres_changes are not available on this server yet"));
            return false;
        }

        try
        {
            await feed.AddAsync(channel, token);
            return true;
        }
        catch (ChangeFeedException e)
        {
            feed.Remove(channel);
            Reply(frame, ok: false, Reason(e.Message));
            return false;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            feed.Remove(channel);
            LogChangeFeedFailed(logger, e, Project.Ref, channel.Key.Name);
            Reply(frame, ok: false, Reason("Unknown Error on Channel"));
            return false;
        }
    }

    private async Task LeaveAsync(InboundFrame frame, JoinedChannel channel)
    {
        await RemoveAsync(channel);
        Reply(frame, ok: true, "{}"u8);
        Send(channel.JoinRef, channel.JoinRef, channel.Topic, "phx_close", "{}"u8);
    }

    private async Task BroadcastAsync(InboundFrame frame, JoinedChannel channel, CancellationToken token)
    {
        if (frame.Broadcast is not { } body)
        {
            Reply(frame, ok: false, Reason("broadcast needs an event"));
            return;
        }

        if (!hubs.Limits.TryEvent(Project.Ref))
        {
            await ShutdownAsync(channel, "Too many messages per second");
            return;
        }

        if (body.Payload.Length > Options.MaxPayloadBytes)
        {
            Reply(frame, ok: false, Reason("payload_size_exceeded"));
            return;
        }

        if (!await MayWriteAsync(channel, "broadcast", token))
        {
            if (channel.Config.Ack)
            {
                Reply(frame, ok: false, Reason($"Unauthorized: You do not have permissions to write to this Channel topic: {channel.Key.Name}"));
            }

            return;
        }

        await hubs.Broadcasts.PublishAsync(channel.Key, body, channel);
        if (channel.Config.Ack)
        {
            Reply(frame, ok: true, "{}"u8);
        }
    }

    private async Task PresenceAsync(InboundFrame frame, JoinedChannel channel, CancellationToken token)
    {
        var evt = frame.PayloadString("event");
        if (evt is not ("track" or "untrack"))
        {
            Reply(frame, ok: false, Reason("presence event must be track or untrack"));
            return;
        }

        if (!hubs.Limits.TryEvent(Project.Ref))
        {
            await ShutdownAsync(channel, "Too many presence messages per second");
            return;
        }

        if (evt == "untrack")
        {
            await hubs.Presence.UntrackAsync(channel);
            Reply(frame, ok: true, "{}"u8);
            return;
        }

        var meta = frame.Payload.TryGetProperty("payload", out var p) ? p : default;
        if (meta.ValueKind is not (JsonValueKind.Object or JsonValueKind.Undefined or JsonValueKind.Null))
        {
            Reply(frame, ok: false, Reason("presence payload must be an object"));
            return;
        }

        if (meta.ValueKind == JsonValueKind.Object && meta.GetRawText().Length > Options.MaxPayloadBytes)
        {
            Reply(frame, ok: false, Reason("Track message size exceeded"));
            return;
        }

        if (!await MayWriteAsync(channel, "presence", token))
        {
            Reply(frame, ok: false, Reason($"Unauthorized: You do not have permissions to track presence on this Channel topic: {channel.Key.Name}"));
            return;
        }

        await hubs.Presence.TrackAsync(channel, meta);
        Reply(frame, ok: true, "{}"u8);
    }

    private async Task RefreshTokenAsync(InboundFrame frame, JoinedChannel channel, CancellationToken token)
    {
        var accessToken = frame.PayloadString("access_token");
        if (accessToken is null || accessToken.StartsWith("sb_", StringComparison.Ordinal))
        {
            return;
        }

        var (verified, error) = await hubs.Tokens.VerifyAsync(Project, accessToken);
        if (verified is null)
        {
            // Supabase ends the channel with the reason alone ("Token has expired 5 seconds ago").
            await ShutdownAsync(channel, error![(error!.IndexOf(": ", StringComparison.Ordinal) + 2)..]);
            return;
        }

        channel.Token = verified;
        if (channel.Config.Private)
        {
            if (await ReadPoliciesAsync(frame, channel, token) is not { } policies)
            {
                return;
            }

            if (!policies.BroadcastRead && !policies.PresenceRead)
            {
                await ShutdownAsync(channel, $"You no longer have permission to read from this Channel topic: {channel.Key.Name}");
                return;
            }

            channel.Policies = policies;
        }
    }

    /// <summary>Write policies are checked on first use and kept until a new token resets them, as Supabase does.</summary>
    private async Task<bool> MayWriteAsync(JoinedChannel channel, string extension, CancellationToken token)
    {
        if (channel.Policies is not { } policies)
        {
            return true;
        }

        var known = extension == "broadcast" ? policies.BroadcastWrite : policies.PresenceWrite;
        if (known is { } allowed)
        {
            return allowed;
        }

        try
        {
            allowed = await hubs.Authorization.WriteAsync(Project, channel.Caller, channel.Key.Name, extension, token);
        }
        catch (Exception e) when (ProjectDatabaseUnavailableException.Describes(e) || e is Npgsql.PostgresException)
        {
            LogAuthorizationFailed(logger, e, Project.Ref, channel.Key.Name);
            return false;
        }

        if (extension == "broadcast")
        {
            policies.BroadcastWrite = allowed;
        }
        else
        {
            policies.PresenceWrite = allowed;
        }

        return allowed;
    }

    /// <summary>The server ends a channel: a <c>system</c> error with the reason, then <c>phx_close</c>.</summary>
    private async Task ShutdownAsync(JoinedChannel channel, string message)
    {
        channel.PushSystem("error", message);
        await RemoveAsync(channel);
        Send(channel.JoinRef, null, channel.Topic, "phx_close", "{}"u8);
    }

    private async Task RemoveAsync(JoinedChannel channel)
    {
        lock (channelsLock)
        {
            if (!channels.TryGetValue(channel.Topic, out var current) || current != channel)
            {
                return;
            }

            channels.Remove(channel.Topic);
        }

        hubs.Registry.Remove(channel);
        hubs.ChangeFeed?.Remove(channel);
        await hubs.Presence.UntrackAsync(channel);
    }

    private async Task LeaveAllAsync()
    {
        foreach (var channel in Joined())
        {
            await RemoveAsync(channel);
        }

        if (countedAsUser)
        {
            countedAsUser = false;
            await hubs.Limits.RemoveUserAsync(Project.Ref);
        }
    }

    private static byte[] JoinReply(JoinConfig config, IReadOnlyList<ChangeBinding> bindings)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("postgres_changes");
            if (bindings.Count > 0)
            {
                ChangeBindings.WriteReply(writer, config.PostgresChanges, bindings);
            }
            else
            {
                writer.WriteStartArray();
                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    [LoggerMessage(EventId = EventIds.RealtimePolicyCheckFailed, Level = LogLevel.Warning, Message = "Realtime could not check the policies of project {ProjectRef} for channel {Channel}")]
    private static partial void LogAuthorizationFailed(ILogger logger, Exception error, string projectRef, string channel);

    [LoggerMessage(EventId = EventIds.RealtimeChangesJoinFailed, Level = LogLevel.Error, Message = "Realtime's change feed failed a join of project {ProjectRef} on channel {Channel}")]
    private static partial void LogChangeFeedFailed(ILogger logger, Exception error, string projectRef, string channel);
}

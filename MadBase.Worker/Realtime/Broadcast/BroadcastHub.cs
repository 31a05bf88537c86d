using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using MadBase.ServiceDefaults.Logging;
using MadBase.ServiceDefaults.Messaging;
using MadBase.Worker.Realtime.Channels;
using MadBase.Worker.Realtime.Presence;
using MadBase.Worker.Realtime.Socket;

namespace MadBase.Worker.Realtime.Broadcast;

/// <summary>
/// Fans a message out to a topic's channels on every worker: this worker's at once, the others' through
/// the project's Redis channel, which each worker subscribes to when its first socket of that project
/// joins. Without Redis, messages reach this worker's channels only.
/// </summary>
internal sealed partial class BroadcastHub(
    ChannelRegistry registry, IMessageBus bus, WorkerIdentity worker, ILogger<BroadcastHub> logger)
{
    private readonly ConcurrentDictionary<string, Lazy<Task>> subscriptions = new(StringComparer.Ordinal);

    /// <summary>Set by the presence hub, which shares this channel for its diffs.</summary>
    public Action<TopicKey, JsonElement>? PresenceDiffReceived { get; set; }

    /// <summary>Subscribes this worker to the project's Redis channel, once; a failure is retried at the next join.</summary>
    public async Task EnsureSubscribedAsync(string projectRef)
    {
        var lazy = subscriptions.GetOrAdd(projectRef, r => new Lazy<Task>(() => bus.SubscribeAsync(ClusterEnvelope.ChannelOf(r), message => Receive(r, message))));
        try
        {
            await lazy.Value.WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            subscriptions.TryRemove(new KeyValuePair<string, Lazy<Task>>(projectRef, lazy));
            LogSubscribeFailed(logger, projectRef, e);
        }
    }

    /// <summary>Delivers to every channel on the topic (the sender's own only with <c>self</c>) and tells the other workers.</summary>
    public async Task PublishAsync(TopicKey key, BroadcastBody body, JoinedChannel? origin)
    {
        DeliverLocal(key, body, origin);
        var envelope = new ClusterEnvelope
        {
            Worker = worker.Id,
            Kind = "b",
            Private = key.Private,
            Topic = key.Name,
            Event = body.Event,
            Json = body.IsJson ? PhoenixSerializer.Element(body.Payload.Span) : null,
            Bytes = body.IsJson ? null : body.Payload.ToArray(),
        };
        await bus.PublishAsync(ClusterEnvelope.ChannelOf(key.ProjectRef), JsonSerializer.Serialize(envelope));
    }

    public Task PublishPresenceAsync(TopicKey key, JsonElement diff) =>
        bus.PublishAsync(ClusterEnvelope.ChannelOf(key.ProjectRef), JsonSerializer.Serialize(new ClusterEnvelope
        {
            Worker = worker.Id,
            Kind = "p",
            Private = key.Private,
            Topic = key.Name,
            Json = diff,
        }));

    public void DeliverLocal(TopicKey key, BroadcastBody body, JoinedChannel? origin)
    {
        foreach (var channel in registry.On(key))
        {
            if ((channel != origin || channel.Config.Self) && channel.ReadsBroadcast)
            {
                channel.PushBroadcast(body);
            }
        }
    }

    private void Receive(string projectRef, string message)
    {
        try
        {
            var envelope = JsonSerializer.Deserialize<ClusterEnvelope>(message);
            if (envelope is null || envelope.Worker == worker.Id)
            {
                return;
            }

            var key = new TopicKey(projectRef, envelope.Private, envelope.Topic);
            if (envelope.Kind == "b" && envelope.Event is not null)
            {
                var body = envelope.Bytes is { } bytes
                    ? new BroadcastBody(envelope.Event, bytes, IsJson: false)
                    : new BroadcastBody(envelope.Event, Encoding.UTF8.GetBytes(envelope.Json?.GetRawText() ?? "{}"), IsJson: true);
                DeliverLocal(key, body, origin: null);
            }
            else if (envelope.Kind == "p" && envelope.Json is { } diff)
            {
                PresenceDiffReceived?.Invoke(key, diff);
            }
        }
        catch (JsonException e)
        {
            LogBadEnvelope(logger, projectRef, e);
        }
    }

    [LoggerMessage(EventId = EventIds.RealtimeRedisSubscribeFailed, Level = LogLevel.Warning, Message = "Realtime could not subscribe to project {ProjectRef}'s Redis channel; its messages reach this worker's sockets only until a later join retries")]
    private static partial void LogSubscribeFailed(ILogger logger, string projectRef, Exception error);

    [LoggerMessage(EventId = EventIds.RealtimeRedisMessageUnreadable, Level = LogLevel.Warning, Message = "Realtime ignored an unreadable message on project {ProjectRef}'s Redis channel")]
    private static partial void LogBadEnvelope(ILogger logger, string projectRef, Exception error);
}

/// <summary>This worker process among the others, for Redis messages and presence entries.</summary>
internal sealed class WorkerIdentity
{
    public string Id { get; } = Guid.NewGuid().ToString("N");
}
